// `faultline run`: one run under faults, recorded and checked (DESIGN.md
// "Lifecycle of faultline run"; the lifecycle is harness/run.h).
#include <unistd.h>

#include <iostream>
#include <memory>

#include "harness/cli/subcommand.h"
#include "harness/options.h"
#include "harness/run.h"

namespace faultline {
namespace {

SubcommandRun setup(CLI::App* app) {
  auto f = std::make_shared<RunFlags>();
  add_run_flags(app, f.get());
  return [f](const Invocation& inv) { return run_from_flags(*f, /*simulate=*/false, inv.self, STDOUT_FILENO); };
}

const bool registered = register_subcommand(
    {"run", "run a cluster under a workload, record the history and check it", 10, Needs::kChildProcesses, setup});

}  // namespace
}  // namespace faultline
