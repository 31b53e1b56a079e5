// Quiesce (DESIGN.md "The harness", step 5): after every fault is healed,
// wait (bounded) until the cluster has nothing left to deliver, so that the
// final reads and dumps judge a settled state.
//
// Quiet means, on every node (FL.STATUS, core/node_status.h): every peer
// up, no request of its own in flight (a write that times out after the heal
// stores a hint then) and no hint pending. With anti-entropy on, each node
// is then sent FL.REPAIR and quiesce waits until its "ae_rounds_completed"
// reaches the round FL.REPAIR returned (a -ERR reply means anti-entropy is
// not available, said in anti_entropy). An FL.STATUS that does not read as
// its format says ends the wait at once: waiting longer would not help.
//
// Records {"phase":"quiesce","quiesce_ms":N,"ok":...,"anti_entropy":...}
// (with "reason" when not ok; the checker then says unknown).
#pragma once

#include <cstdint>
#include <string>

#include "core/history.h"
#include "core/lifecycle.h"
#include "core/plan.h"
#include "harness/cluster.h"

namespace faultline {

QuiesceResult quiesce(const Cluster& cluster, const ModeSpec& modes, int64_t timeout_ms, HistoryWriter* history);

}  // namespace faultline
