// `faultline sim`: the same plan as `run` (the same options, the same seed
// drawing the same plan), run in the deterministic simulator in virtual
// time (sim/plan_sim.h), written to the same run directory plus trace.txt
// and judged by the same checker with the same exit codes. Replaying a sim
// run gives the same files, byte for byte (docs/generators.md lists the
// fields that hold wall-clock time).
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
  return [f](const Invocation& inv) { return run_from_flags(*f, /*simulate=*/true, inv.self, -1); };
}

const bool registered = register_subcommand(
    {"sim", "run a plan in the deterministic simulator (virtual time), record the history and check it", 11,
     Needs::kNothing, setup});

}  // namespace
}  // namespace faultline
