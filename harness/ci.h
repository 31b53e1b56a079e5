// `faultline ci [--suite smoke|full] [--budget T] [--jobs J] [--out DIR]`:
// the merge gate (issue 7 item 5). Runs the suite's fixed (configuration,
// seed) pairs (harness/ci_suites.h) as child `faultline run` processes with
// the audit's cell runner, prints one line per run and the replay command of
// every failure, and writes <out>/junit.xml with one <testsuite> per run.
//
// Exit: 0 when no run violated a guaranteed property; 1 when one did;
// 255 harness error (a run left no verdict, its verdict was unknown, or a
// run did not start within --budget); 254 bad arguments. Allowed anomalies
// are reported, never failures.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>

namespace faultline {

struct CiOptions {
  std::string suite = "smoke";
  int64_t budget_ms = 15 * 60 * 1000;
  int jobs = 0;          // 0: the number of cores
  std::string out_dir;   // empty: runs/ci-<suite>-<UTC time>
  std::string node_bin;
  std::string self;      // how the user invoked faultline, for replay commands
};

int ci_command(const CiOptions& options, std::ostream& out, std::ostream& err);

}  // namespace faultline
