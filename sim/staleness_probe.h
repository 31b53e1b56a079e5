// One staleness measurement and its model twin: the simulator plan that
// measures P(consistent | t), or k-staleness with propagation suppressed,
// for N = RF = `nodes`, read and write consistency R and W and one latency
// distribution on the four WARS legs (core/plan.h ProbeSpec,
// docs/staleness.md), and the WarsConfig (model/wars.h) of the same setup.
// Shared by sim/staleness_agreement_test.cpp and `faultline audit
// --quantify` (harness/quantify.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/latency.h"
#include "core/plan.h"
#include "model/wars.h"

namespace faultline {

struct StalenessProbe {
  int nodes = 3;
  int r = 1, w = 1;  // 1, 2 or `nodes`
  LatencyDistribution leg = LatencyDistribution::exponential(10);
  std::vector<int64_t> t_ms = {0, 2, 5, 10, 20, 40};
  int64_t reads_per_t = 1000;
  // Quiet after each round, so that its messages are in before the next.
  int64_t gap_ms = 100;
  // k-staleness instead: write_quorum_only, `writes_per_key` writes per key,
  // reads_per_t reads, all at t = 0.
  bool k_staleness = false;
  int writes_per_key = 4;
  uint64_t seed = 1;

  // Beyond the model (off by default, as the model assumes): repair
  // mechanisms, which spread a write beyond the W replicas it waited for.
  ReadRepair read_repair = ReadRepair::kNone;
  bool digest_reads = false;
  int64_t anti_entropy_interval_ms = 0;  // 0: anti-entropy off
  bool hinted_handoff = false;
  // Every key read once at every t of the grid (ProbeSpec reads_per_key),
  // so an earlier read's repair can reach a later read; k-staleness reads
  // at every t too instead of only at t = 0. reads_per_t rounds.
  bool read_every_t = false;
  std::vector<FaultEvent> faults;  // run under these (core/plan.h)
};

// In the simulator a read reaches its coordinator one hop (1 ms) after its
// invocation, and delays are whole milliseconds (rounded), which makes a
// write that lands in the read's own millisecond visible to it: half a
// millisecond more on average. The model's read starts this much later
// than the t the history measures.
inline constexpr double kProbeReadStartOffsetMs = 1.5;

// The repair the probe asks for (none by default).
Plan staleness_probe_plan(const StalenessProbe& p);
// faultline-node's read path: the coordinator is a replica, a read
// contacts R replicas.
WarsConfig staleness_probe_model(const StalenessProbe& p);
// The model's t for each of p.t_ms (kProbeReadStartOffsetMs later).
std::vector<double> staleness_probe_model_t(const StalenessProbe& p);
// What repair the probe has beyond the model: "none", or e.g.
// "rr=async digest ae=50ms hints".
std::string staleness_probe_repair(const StalenessProbe& p);
// A lower bound on the probe's length in virtual ms, for placing faults in
// it: every round's read delays and gap, its operations taking no time.
int64_t staleness_probe_expected_ms(const StalenessProbe& p);

}  // namespace faultline
