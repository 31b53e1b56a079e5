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
  return [f](const Invocation& inv) {
    RunOptions run = f->run;
    if (!collect_run_flags(*f, "faultline run", std::cerr, &run.overrides)) return kExitBadArguments;
    run.node_bin = f->cluster.node_bin;
    run.self = inv.self;
    run.progress_fd = STDOUT_FILENO;
    return run_command(run, std::cout, std::cerr);
  };
}

const bool registered = register_subcommand(
    {"run", "run a cluster under a workload, record the history and check it", 10, Needs::kChildProcesses, setup});

}  // namespace
}  // namespace faultline
