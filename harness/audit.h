// `faultline audit`: which guarantees each repair-mode configuration really
// gives (issue 7, items 1 and 2). A fixed matrix of configurations (rows),
// each with the faults and workload that exercise what it can lose, runs
// several seeds per row as child `faultline run --plan P --out DIR` processes
// of this same binary, up to --jobs at once, within --budget. Each (row,
// property) cell aggregates its runs' verdicts into one of
//   held          guaranteed, and no run violated it
//   VIOLATED      guaranteed, and a run violated it: a bug
//   observed      not guaranteed, and a run violated it: an allowed anomaly
//   not observed  not guaranteed, and no run violated it: the row's faults
//                 were too weak to show it (a finding)
//   unknown       no run decided it
// Whether a property is guaranteed comes from the checker (each verdict's
// "expected", i.e. checker/expectations.h), never recomputed here.
//
// Outputs in --out: audit.md, audit.json, audit.html, junit.xml (one test
// case per property per row), runs/<row>/seed<N>/<run dir>.
// Exit: 0 no guaranteed property violated, 1 one was, 255 harness error
// (a run that left no verdict), 254 bad arguments. --budget is parsed by
// shrink's parse_budget_ms (harness/shrink.h).
//
// The cell runner (run_cells) is shared with `faultline ci`: every child is
// forked from the calling thread, in its own process group, with a
// parent-death signal and registered in ChildRegistry, so Ctrl-C or a crash
// of the parent ends it, and its nodes die with it (their own parent-death
// signal).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "checker/checker.h"
#include "checker/expectations.h"
#include "core/plan.h"
#include "core/status.h"

namespace faultline {

// One configuration of the matrix: a plan without a seed (the cell sets it).
struct AuditRow {
  std::string name;         // "rr-async-one"
  std::string exercises;    // what the row's faults and workload aim at, for the report
  Plan plan;
};

// The matrix, in report order.
const std::vector<AuditRow>& audit_rows();
// nullptr when no row has that name.
const AuditRow* find_audit_row(std::string_view name);
// The row's plan for one cell: its seed, and (duration_ms > 0) the workload
// shortened or lengthened with every fault window scaled along.
Plan cell_plan(const AuditRow& row, uint64_t seed, int64_t duration_ms = 0);

// One child run to make.
struct CellSpec {
  std::string row;
  uint64_t seed = 0;
  Plan plan;
  std::string dir;  // the child's --out; its run directory appears inside
};

// What one child left.
struct CellRun {
  std::string row;
  uint64_t seed = 0;
  int exit_code = -1;    // of the child `faultline run`; -1 killed or not waited for
  std::string run_dir;   // empty when the child made none
  bool has_verdict = false;
  Verdict verdict;       // read from run_dir/verdict.json
  std::string error;     // why there is no verdict
  double wall_s = 0;
};

struct CellRunnerOptions {
  std::string self_exe;   // this faultline binary
  std::string node_bin;   // passed on as --node-bin when set
  int jobs = 1;
  int64_t budget_ms = 0;  // no cell starts unless it is expected to end within it
  std::ostream* progress = nullptr;  // one line per finished cell, or the live line
  // Redraw one progress line (harness/progress.h: runs done of total, budget,
  // the last result) instead of a line per cell: progress is a terminal.
  bool live = false;
};

// Bounds of one child: after its workload, start + heal + quiesce + final
// reads + check must fit in this, or it is killed and counted as an error.
inline constexpr int64_t kCellOverheadMsMax = 120000;
// Expected overhead of a cell beyond its workload, until cells have been
// measured (then the mean of the measured ones is used).
inline constexpr int64_t kCellOverheadMsGuess = 8000;
inline constexpr int kJobsMax = 64;

// Runs the cells in order, up to options.jobs at once. Cells not started
// because the budget would not hold them are counted in *not_started.
// Returns non-ok only when the runner itself failed (cannot fork, cannot
// create a directory); a child that failed is a CellRun with an error.
Status run_cells(const std::vector<CellSpec>& cells, const CellRunnerOptions& options, std::vector<CellRun>* runs,
                 int* not_started);

// Fills a runner for this binary: self_exe from /proc/self/exe, node_bin
// (given or next to it), jobs (0: the number of cores; else 1..kJobsMax),
// budget; progress to `progress` (live when it is std::cout on a
// terminal). Invalid for a bad --jobs; not_found
// without a node binary.
Status make_cell_runner(const std::string& node_bin_given, int jobs, int64_t budget_ms, std::ostream* progress,
                        CellRunnerOptions* out);

// The replay command of a run directory.
std::string replay_command(const std::string& self, const std::string& run_dir);

enum class CellState { kHeld, kViolated, kObserved, kNotObserved, kUnknown };
std::string_view to_string(CellState s);

struct AuditCell {
  std::string row;
  std::string property;
  CellState state = CellState::kUnknown;
  bool guaranteed = false;
  std::string reason;       // the checker's expectation reason
  int runs = 0;             // runs that decided the property (held or violated)
  int violated_runs = 0;    // of those, runs that violated it
  int64_t violations = 0;   // summed over runs
  std::string example_run_dir;  // the first violating run
  PropertyResult example;       // its result (witnesses)
};

// Aggregates the runs of one row for one property. `fallback` is the
// checker's expectation for the row's plan, used only when no run has a
// verdict to read it from.
AuditCell aggregate_cell(const std::string& row, const std::string& property, const std::vector<CellRun>& runs,
                         const Expectation& fallback);

struct AuditOptions {
  int64_t budget_ms = 10 * 60 * 1000;
  int seeds = 6;                 // per row
  int jobs = 0;                  // 0: the number of cores
  std::string out_dir;           // empty: runs/audit-<UTC time>
  std::string node_bin;
  std::vector<std::string> rows; // empty: every row (hidden option, for tests)
  int64_t duration_ms = 0;       // > 0: every row's workload this long (hidden option, for tests)
  std::string self;              // how the user invoked faultline, for replay commands
};

int audit_command(const AuditOptions& options, std::ostream& out, std::ostream& err);

}  // namespace faultline
