// Shrinking: finds a smaller plan that still fails the way a run failed.
// shrink_plan is what `faultline shrink` and bugzoo (each caught bug's plan)
// call.
//
// The plan is shrunk structurally (generators/plan_shrink.h: fewer and
// shorter faults, a shorter workload, fewer nodes, keys, clients, a lower
// rate; never other modes, consistency levels or seeded bugs) and the tree is
// walked greedily with shrink_walk: the first smaller candidate that still
// fails becomes the new start. A candidate is replayed up to `tries` times
// with run_command; it fails when any try violates one of the preserved
// properties (replay.h reproduces()). Real processes are not deterministic,
// so "does not fail" means "did not fail in `tries` tries": more tries cost
// time and shrink further. A plan that did not fail is not run again when
// a deeper level of the tree offers it once more.
//
// Disk: each try's run directory goes under <out>/runs/; those of tries
// that did not fail and of failing plans later superseded by a smaller one
// are deleted, so <out> ends up holding the original's reproducing replay
// (when it is not the smallest, it is deleted too), the smallest failing
// plan's run directory and <out>/shrunk-plan.json.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/plan.h"
#include "core/status.h"
#include "generators/plan_gen.h"
#include "harness/replay.h"

namespace faultline {

inline constexpr int64_t kShrinkBudgetMsDefault = 10 * 60 * 1000;
inline constexpr int kShrinkTriesDefault = 2;
inline constexpr int kShrinkTriesMax = 100;
// Bound on candidates (each costs `tries` runs): the budget normally ends a
// walk long before.
inline constexpr int kShrinkCandidatesMax = 10000;

// One try of a plan: a run directory made under runs_dir (in *run_dir, kept
// or deleted by the shrinker) and its verdict. Io when no run could be made.
using TryRunner = std::function<Status(const Plan& plan, const std::string& runs_dir, std::string* run_dir,
                                       VerdictSummary* verdict)>;

struct ShrinkOptions {
  std::string run_dir;                  // holds plan.json and verdict.json
  int64_t budget_ms = kShrinkBudgetMsDefault;  // no candidate starts after it
  int tries = kShrinkTriesDefault;
  std::vector<std::string> properties;  // to preserve; empty: every one verdict.json shows violated
  std::string out_dir;                  // empty: <run_dir>/shrink
  std::string node_bin;                 // empty: next to this executable
  std::string self;                     // how to invoke faultline, for the replay commands
  // >= 0: while a candidate runs, show a progress line (harness/progress.h)
  // on the progress stream, live when this fd is a terminal; -1: none.
  int progress_fd = -1;
  // Empty: each try is a real `faultline run --plan` (run_command). Set:
  // this runs it (explore: the simulator, where one try is enough).
  TryRunner runner;
  // Set: what to preserve, instead of reading <run_dir>/verdict.json (a
  // simulated run that crashed has none).
  std::optional<VerdictSummary> preserve;
};

struct ShrinkResult {
  bool reproduced = false;       // the original plan failed within its tries
  bool budget_exhausted = false; // the walk stopped at the budget, not at a local minimum
  Plan smallest;                 // the original plan when nothing smaller failed
  std::string smallest_run_dir;  // a run of `smallest` that failed
  std::string smallest_plan_file;  // <out>/shrunk-plan.json
  PlanSize before, after;
  int64_t operations_before = 0;  // client operations in the original run's history
  int64_t operations_after = 0;   // ... in smallest_run_dir's history
  int candidates = 0;             // smaller plans run (not counting the original's replay)
  int kept = 0;                   // ... of which failed, each becoming the smallest so far
  int runs = 0;                   // runs started, the original's replay included
  int64_t elapsed_ms = 0;
};

// Replays the original (up to `tries` times), then walks smaller plans until
// none fails or the budget is spent. One line per candidate to progress.
// Invalid: bad options or an unreadable run directory (names the file or
// option). Io: a run could not be started or left no verdict (the smallest
// plan found before it is still in *result and shrunk-plan.json). When the
// original did not reproduce, returns ok with result->reproduced false.
Status shrink_plan(const ShrinkOptions& options, std::ostream& progress, ShrinkResult* result);

// "faults 2 (3000 ms), nodes 5, keys 12, duration 20000 ms".
std::string describe_size(const PlanSize& s);


}  // namespace faultline
