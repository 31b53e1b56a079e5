// `faultline bugzoo`: how good the harness is at catching the seeded bugs of
// core/bugs.h (issue 8, items 2 and 3).
//
// For each bug, a scenario (the modes where the bug's mechanism is active and
// the property that should catch it is guaranteed, the fault kinds that
// exercise it, workload pins; from the bug engineers' scenario docs) is laid
// over plans drawn from seeds seed_base, seed_base+1, ... (plan_from_seed with
// the scenario's pins, exactly as `faultline run --seed S <scenario options>
// --bug NAME` does), and runs go until one violates a guaranteed property
// (caught) or the bug's budget is spent. Then the false-alarm check: the
// same scenarios and seeds on the clean node (no --bug), as many runs as the
// zoo made, within the same total budget; any guaranteed-property violation
// there is a harness or node bug and is reported as a false alarm.
//
// Each catching run is then shrunk (shrink_plan, a small budget or 5
// replays of the run if longer, the caught property preserved) and the
// table gives the plan's size before and after.
//
// Results: one progress line per run on `out`, a table (Markdown) written to
// options.table_path and <out_dir>/bugzoo.md. Each shrunk plan is copied to
// <table dir>/bugzoo-shrunk/<bug>.json, which the table's replay names. Exit 0 when every bug was
// caught and no false alarm, 1 otherwise (runs that failed in the harness
// are counted in the table and catch nothing), 254 bad arguments, 255 when
// the table cannot be written.
//
// Thread-safety: one call at a time (runs are sequential and start clusters).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "core/bugs.h"
#include "core/status.h"
#include "harness/run.h"

namespace faultline {

// Default budgets: the whole zoo (12 bugs), the clean-node check (at most the
// same again) and the shrinks fit in about 20 minutes on 2 cores.
inline constexpr int64_t kBugzooBudgetMsDefault = 7 * 60 * 1000;
inline constexpr uint64_t kBugzooSeedBaseDefault = 1;
// Each caught bug's run is shrunk (harness/shrink.h) within this, one try
// per candidate.
inline constexpr int64_t kBugzooShrinkBudgetMsDefault = 30 * 1000;

// One bug's scenario: run options laid over each drawn plan, and the
// guaranteed property expected to catch it.
struct BugScenario {
  Bug bug;
  std::string property;  // the guaranteed property that should catch it
  std::string mirrors;   // the public report the bug re-creates (from the node code's comment)
  // Pins, CLs, modes, faults (seed and bugs are set per run); or a plan file
  // (relative to the source tree) whose seed each run replaces.
  RunOverrides options;
};

// Every bug's scenario, in catalogue order.
const std::vector<BugScenario>& bug_scenarios();
const BugScenario& bug_scenario(Bug bug);

struct BugzooOptions {
  std::vector<std::string> bugs;         // --bug NAME...; empty: all
  int64_t budget_ms = kBugzooBudgetMsDefault;  // total over the bugs
  std::optional<int64_t> per_bug_budget_ms;    // default budget_ms / number of bugs
  uint64_t seed_base = kBugzooSeedBaseDefault;
  int64_t shrink_budget_ms = kBugzooShrinkBudgetMsDefault;  // per caught bug; 0: no shrinking
  std::string out_dir = "runs/bugzoo";
  std::string table_path = "docs/bugzoo.md";  // also written to <out_dir>/bugzoo.md
  std::string node_bin;  // empty: next to this executable
  std::string self;      // how to invoke faultline, for the replay commands
  std::string command_line;  // as typed, for the table's header
};

int bugzoo_command(const BugzooOptions& options, std::ostream& out, std::ostream& err);

}  // namespace faultline
