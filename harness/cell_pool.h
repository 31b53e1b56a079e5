// The cell pool: runs many plans as child `faultline run --plan P --out DIR`
// processes of this same binary, up to `jobs` at once, within a budget, and
// reads back each child's verdict. `faultline audit` runs its matrix with it
// and `faultline ci` its suites.
//
// Every child is started with spawn_child (harness/child_process.h): its own
// process group, a parent-death signal, registered in ChildRegistry, so
// Ctrl-C or a crash of the parent ends it, and its nodes die with it (their
// own parent-death signal). A child that outlives its bound is ended
// (SIGTERM, then SIGKILL) and counted as an error.
//
// Thread-safety: run_cells blocks the calling thread, which must outlive
// the children (the parent-death caveat).
#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "checker/checker.h"
#include "core/plan.h"
#include "core/status.h"

namespace faultline {

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
  bool started = true;   // false: the budget left it out (see runs_in_cell_order)
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
// A child told to stop (SIGTERM) gets this long to stop its nodes.
inline constexpr int64_t kCellTermGraceMs = 5000;

// Runs the cells in order, up to options.jobs at once. Cells not started
// because the budget would not hold them are counted in *not_started.
// Returns non-ok only when the runner itself failed (cannot start a child,
// cannot create a directory); a child that failed is a CellRun with an error.
Status run_cells(const std::vector<CellSpec>& cells, const CellRunnerOptions& options, std::vector<CellRun>* runs,
                 int* not_started);

// One record per cell, in the cells' order (run_cells collects them in the
// order they finish): each cell's run, or a record with started = false and
// the error `not_started_error` when the budget left it out. Writers that
// take these records write the same files however the runs interleaved.
std::vector<CellRun> runs_in_cell_order(const std::vector<CellSpec>& cells, const std::vector<CellRun>& runs,
                                        const std::string& not_started_error);

// Fills a runner for this binary: self_exe from /proc/self/exe, node_bin
// (given or next to it), jobs (0: the number of cores; else 1..kJobsMax),
// budget; progress to `progress` (live when it is std::cout on a
// terminal). Invalid for a bad --jobs; not_found without a node binary.
Status make_cell_runner(const std::string& node_bin_given, int jobs, int64_t budget_ms, std::ostream* progress,
                        CellRunnerOptions* out);

// "swarm seed 4": a cell's name in progress lines, junit.xml, --list and
// shard.json.
std::string cell_name(const std::string& row, uint64_t seed);

// The replay command of a run directory.
std::string replay_command(const std::string& self, const std::string& run_dir);

// "valid", "invalid VIOLATED: a (allowed: b)", "ERROR: why": one line.
std::string describe_run(const CellRun& r);

// Seconds since t0 on the steady clock.
double seconds_since(std::chrono::steady_clock::time_point t0);

}  // namespace faultline
