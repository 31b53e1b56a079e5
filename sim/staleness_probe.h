// One staleness measurement and its model twin: the simulator plan that
// measures P(consistent | t), or k-staleness with propagation suppressed,
// for N = RF = `nodes`, read and write consistency R and W and one latency
// distribution on the four WARS legs (core/plan.h ProbeSpec,
// docs/staleness.md), and the WarsConfig (model/wars.h) of the same setup.
// Shared by sim/staleness_agreement_test.cpp and `faultline audit
// --quantify` (harness/quantify.h).
#pragma once

#include <cstdint>
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
};

// In the simulator a read reaches its coordinator one hop (1 ms) after its
// invocation, and delays are whole milliseconds (rounded), which makes a
// write that lands in the read's own millisecond visible to it: half a
// millisecond more on average. The model's read starts this much later
// than the t the history measures.
inline constexpr double kProbeReadStartOffsetMs = 1.5;

// No repair of any kind (read repair, hinted handoff, anti-entropy off).
Plan staleness_probe_plan(const StalenessProbe& p);
// faultline-node's read path: the coordinator is a replica, a read
// contacts R replicas.
WarsConfig staleness_probe_model(const StalenessProbe& p);
// The model's t for each of p.t_ms (kProbeReadStartOffsetMs later).
std::vector<double> staleness_probe_model_t(const StalenessProbe& p);

}  // namespace faultline
