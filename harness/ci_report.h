// What `faultline ci` writes from its runs, shared by `faultline ci` and by
// `faultline merge` of ci shards, so both write the same files from the same
// records: <out>/junit.xml (one <testsuite> per run) and <out>/ci.md (one
// table row per run), one line per failed run and the summary on `out`.
//
// Exit code (DESIGN.md, as Jepsen's): 1 when a run violated a guaranteed
// property; else 255 when a run left no verdict, its verdict was unknown or
// the budget left it out (a gate that silently ran less than its list would
// pass on nothing); else 0. Allowed anomalies are reported, never failures.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "harness/cell_pool.h"

namespace faultline {

struct CiReport {
  std::string suite;
  int suite_version = 0;
  std::vector<CellRun> records;  // one per suite entry, in the suite's order (runs_in_cell_order)
};

// Writes both files into out_dir, prints to `out` (errors to `err`) and
// returns the exit code. `self` starts the replay commands.
int finish_ci(const CiReport& report, const std::string& self, const std::string& out_dir, std::ostream& out,
              std::ostream& err);

}  // namespace faultline
