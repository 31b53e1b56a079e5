// One plan simulated and judged, for callers that run many plans (explore,
// bugzoo --sim, sim --search, bench/sim_bench): the plan in virtual time
// (sim/plan_sim.h), then the checker (checker/checker.h), the same verdict
// `faultline sim --plan` would print for it. Nothing is written unless
// `keep_dir` is set: the history, the final dumps and the node events go
// from the simulator to the checker in memory (checker/check_evidence.h),
// with the verdict the written run directory would get. With `keep_dir`,
// that directory (created) holds the whole run directory as `faultline sim`
// writes it (with verdict.json and staleness.json), minus report.html and
// junit.xml, and the checker reads it.
//
// Thread-safety: calls on different plans may run on different threads at
// once (the simulator and the checker hold no global state).
#pragma once

#include <string>

#include "checker/checker.h"
#include "core/plan.h"
#include "core/status.h"
#include "sim/plan_sim.h"

namespace faultline {

struct SimCheckOptions {
  CheckOptions check;
  std::string keep_dir;  // empty: leave nothing on disk
  bool trace = false;    // with keep_dir: write trace.txt too
};

struct SimCheckResult {
  PlanSimSummary summary;
  Verdict verdict;
};

// Io error when the scratch or kept directory cannot be written; otherwise
// ok, with the verdict in *out (its value may be invalid or unknown).
Status simulate_and_check(const Plan& plan, const SimCheckOptions& options, SimCheckResult* out);

}  // namespace faultline
