// The lifecycle records of a run's history (DESIGN.md "History format"):
// the info operations of the nemesis process that mark phases, faults and
// quiesce, and the rules that decide when a cluster is quiet. Written the
// same way by real-process runs (harness/) and simulated ones (sim/), so the
// checker reads one format.
#pragma once

#include <cstdint>
#include <string>

#include "core/history.h"
#include "core/node_status.h"

namespace faultline {

// Appends {"process":"nemesis","type":"info","f":f,"value":value_json}: a
// fault's start or heal, or a phase marker ("f":"phase") of the lifecycle.
// time_ns 0: the writer stamps the real monotonic clock (simulated runs
// pass their virtual time).
void append_nemesis_info(HistoryWriter* history, const std::string& f, const std::string& value_json,
                         int64_t time_ns = 0);

// {"phase": phase}: "workload-start", "workload-end", "final-reads", "done".
void append_phase(HistoryWriter* history, const std::string& phase, int64_t time_ns = 0);

// Bound on the wait after heal until hints drained and anti-entropy covered
// every range, and how often a waiting harness looks again.
inline constexpr int64_t kQuiesceTimeoutMs = 30000;
inline constexpr int64_t kQuiescePollMs = 100;

struct QuiesceResult {
  bool ok = false;
  int64_t quiesce_ms = 0;
  std::string reason;        // why not ok
  std::string anti_entropy;  // "off", "complete", or "not available: ..."
};

// {"phase":"quiesce","quiesce_ms":N,"ok":...,"anti_entropy":...} (with
// "reason" when not ok; the checker then says unknown).
void append_quiesce(HistoryWriter* history, const QuiesceResult& r, int64_t time_ns = 0);

// What keeps the node of status `st` from being quiet ("n1 has 2 hint(s)
// pending"), or "" when it is: every peer seen up, no request of its own in
// flight (a write that times out after the heal stores a hint then), no
// hint pending.
std::string quiesce_pending(const NodeStatus& st);

// A client waits this much longer than the node's request_timeout_ms for a
// reply: the node answers -TIMEOUT itself, and the client should hear it
// rather than give up first.
inline constexpr int64_t kClientTimeoutMarginMs = 1000;

// Final reads (DESIGN.md "The harness", step 6): each written key is read
// at ALL; a read that fails is retried through the next coordinator, this
// many attempts in all, this far apart.
inline constexpr int kFinalReadAttemptsMax = 5;
inline constexpr int64_t kFinalReadRetryBackoffMs = 200;

}  // namespace faultline
