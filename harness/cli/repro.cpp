// `faultline repro RUN_DIR [--times K]`: replays a run's plan.json K times,
// each into a new run directory, and reports how many tries failed the same
// way as the original (harness/replay.h says what "the same way" means).
// Real processes are not deterministic, so the output is a reproduction
// rate, not a yes or no.
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>

#include "core/plan.h"
#include "harness/cli/subcommand.h"
#include "harness/replay.h"
#include "harness/run.h"

namespace faultline {
namespace {

// Bounds on --times: at least one try; more than this is a typo, not a plan.
constexpr int kReproTimesMax = 1000;

struct ReproOptions {
  std::string run_dir;
  int times = 5;
  std::string out_dir;   // empty: <run_dir>/repro
  std::string node_bin;  // empty: next to this executable
  std::string self;      // how to invoke faultline, for the replay commands
};

// Runs the tries; returns the exit code: 0 when at least one try reproduced,
// 1 when none did, 254 bad arguments or run directory, 255 harness error.
int repro_command(const ReproOptions& options, std::ostream& out, std::ostream& err) {
  if (options.times < 1 || options.times > kReproTimesMax) {
    err << "faultline repro: --times: must be in 1.." << kReproTimesMax << "\n";
    return kExitBadArguments;
  }
  VerdictSummary original;
  Status s = read_verdict_summary(options.run_dir, &original);
  if (!s) {
    err << "faultline repro: " << s.message() << "\n";
    return kExitBadArguments;
  }
  RunOptions run;
  run.overrides.plan_file = options.run_dir + "/plan.json";
  Plan plan;
  if (Status p = read_plan_file(*run.overrides.plan_file, &plan); !p) {
    err << "faultline repro: " << p.message() << "\n";
    return kExitBadArguments;
  }
  run.out_dir = options.out_dir.empty() ? options.run_dir + "/repro" : options.out_dir;
  run.node_bin = options.node_bin;
  run.self = options.self;
  out << "faultline repro: replaying " << *run.overrides.plan_file << " " << options.times << " time(s) into "
      << run.out_dir << "\n"
      << "original verdict: " << describe(original) << "\n"
      << "note: real processes are not deterministic; the plan fixes cluster, modes, workload and faults, not "
         "thread and network timing, so a replay may take another interleaving. Read the rate, not one try.\n"
      << std::flush;

  int reproduced = 0;
  for (int i = 1; i <= options.times; ++i) {
    std::ostringstream run_out;  // each try's full report stays in its run directory's verdict.json
    std::string dir;
    run.run_dir_out = &dir;
    int rc = run_command(run, run_out, err);
    VerdictSummary v;
    Status got = dir.empty() ? Status::io("no run directory was created") : read_verdict_summary(dir, &v);
    if (rc == kExitBadArguments || rc == kExitHarnessError || !got) {
      err << "faultline repro: try " << i << " did not complete (exit " << rc << "): " << got.message() << "\n";
      return kExitHarnessError;
    }
    const bool same = reproduces(original, v);
    reproduced += same ? 1 : 0;
    out << "try " << i << "/" << options.times << ": " << describe(v) << (same ? " -> reproduced" : " -> not reproduced")
        << ", " << dir << "\n"
        << std::flush;
  }
  out << "reproduced " << reproduced << " of " << options.times << " tries (" << std::fixed << std::setprecision(0)
      << 100.0 * reproduced / options.times << "%); real processes are not deterministic, so this is a rate, "
      << "not a promise\n";
  return reproduced > 0 ? 0 : 1;
}

SubcommandRun setup(CLI::App* app) {
  auto o = std::make_shared<ReproOptions>();
  app->add_option("RUN_DIR", o->run_dir, "the run directory to replay")->required();
  app->add_option("--times", o->times, "how many tries (default 5)");
  app->add_option("--out", o->out_dir, "where the tries' run directories go (default RUN_DIR/repro)");
  app->add_option("--node-bin", o->node_bin, "faultline-node binary (default: next to faultline)");
  return [o](const Invocation& inv) {
    ReproOptions options = *o;
    options.self = inv.self;
    return repro_command(options, std::cout, std::cerr);
  };
}

const bool registered = register_subcommand(
    {"repro", "replay a run's plan K times and report how often it fails the same way", 50,
     Needs::kChildProcesses, setup});

}  // namespace
}  // namespace faultline
