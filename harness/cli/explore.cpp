// `faultline explore`: explore (harness/explore.h), then the lowest failing
// seed, the shrunk plan and the commands that replay them in the simulator,
// and with --confirm how often the shrunk plan failed on real processes.
// Exit 1 when a guaranteed property was violated, 0 when none was within
// the budget, 254 bad arguments, 255 harness error.
#include <unistd.h>

#include <iostream>
#include <memory>

#include "harness/cli/subcommand.h"
#include "harness/explore.h"
#include "harness/options.h"

namespace faultline {
namespace {

int explore_command(const ExploreOptions& options, std::ostream& out, std::ostream& err) {
  ExploreResult r;
  if (Status s = explore(options, out, &r); !s) {
    err << "faultline explore: " << s.message() << "\n";
    return s.code() == Status::Code::kInvalid ? kExitBadArguments : kExitHarnessError;
  }
  if (!r.found) {
    out << "no guaranteed property violated in " << r.runs << " runs\n";
    return 0;
  }
  out << "failing seed: " << r.seed << " (" << describe(r.verdict) << "), run directory " << r.run_dir << "\n"
      << "replay: " << explore_replay(options, r.seed) << "\n"
      << "smallest failing plan: " << r.smallest_plan_file << (r.shrunk ? " (shrunk)" : " (not shrunk)") << "\n"
      << "replay: " << options.self << " sim --plan " << r.smallest_plan_file << "\n";
  if (options.confirm > 0) {
    out << "confirm: failed " << r.confirm_failed << " of " << r.confirm_runs << " on real processes"
        << (r.confirm_runs < options.confirm ? " (budget spent before " + std::to_string(options.confirm) + ")" : "")
        << "\n";
  }
  return 1;
}

SubcommandRun setup(CLI::App* app) {
  auto o = std::make_shared<ExploreOptions>();
  app->add_option("--seed-base", o->seed_base, "first seed (default 1); seeds go up by one")
      ->check(CLI::NonNegativeNumber);
  app->add_option("--seeds", o->seeds_max, "run at most this many seeds (default 0: until the budget)");
  app->add_option("--jobs", o->jobs, "simulations at once (default 0: every core)");
  app->add_option("--budget", o->budget_ms, "stop starting seeds after this long: 90s, 10m, 1h or seconds (default 60s)")
      ->transform(budget_ms());
  app->add_option("--shrink-budget", o->shrink_budget_ms, "time to shrink the failing plan in the simulator (default 30s; 0: none)")
      ->transform(budget_ms(/*zero_allowed=*/true));
  app->add_option("--bug", o->bugs, "seeded bug (core/bugs.h) in every plan (repeatable)");
  app->add_option("--out", o->out_dir, "where the failing run, the shrink and confirm runs go (default runs/explore)");
  app->add_option("--confirm", o->confirm, "replay the shrunk plan this many times on real processes (default 0)");
  app->add_option("--confirm-budget", o->confirm_budget_ms, "stop starting confirm runs after this long (default 10m)")
      ->transform(budget_ms());
  add_shard_option(app, &o->shard);
  app->add_option("--node-bin", o->node_bin, "faultline-node binary for --confirm (default: next to faultline)");
  return [o](const Invocation& inv) {
    ExploreOptions options = *o;
    options.self = inv.self;
    options.progress_fd = STDOUT_FILENO;
    return explore_command(options, std::cout, std::cerr);
  };
}

const bool registered = register_subcommand(
    {"explore", "draw plans from consecutive seeds and run them in the simulator until a guaranteed property fails; shrink it",
     12, Needs::kChildProcesses, setup});

}  // namespace
}  // namespace faultline
