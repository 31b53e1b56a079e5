// `faultline run`: one run under faults, recorded and checked (DESIGN.md
// "Lifecycle of faultline run"; the lifecycle is harness/run.h).
#include <unistd.h>

#include <charconv>
#include <iostream>
#include <memory>

#include "harness/cli/subcommand.h"
#include "harness/options.h"
#include "harness/run.h"

namespace faultline {
namespace {

struct RunFlags {
  RunOptions run;
  ClusterFlags cluster;
  std::string seed_text;  // parsed by hand: CLI11 wraps "-1" into 2^64 - 1
  std::string plan_file, faults;
  int clients = 0, keys = 0;
  double rate = 0, duration_s = 0, fault_interval_s = 0;
  CLI::Option *seed_opt, *plan_opt, *clients_opt, *rate_opt, *duration_opt, *keys_opt, *faults_opt,
      *fault_interval_opt;
};

// The options given on the command line into overrides; false (after
// saying why) when --seed is not a seed.
bool collect(const RunFlags& f, RunOverrides* o) {
  collect_cluster_flags(f.cluster, o);
  if (f.seed_opt->count()) {
    uint64_t seed = 0;
    auto [end, ec] = std::from_chars(f.seed_text.data(), f.seed_text.data() + f.seed_text.size(), seed);
    if (ec != std::errc() || end != f.seed_text.data() + f.seed_text.size()) {
      std::cerr << "faultline run: --seed: '" << f.seed_text << "' is not a non-negative 64-bit integer\n";
      return false;
    }
    o->seed = seed;
  }
  if (f.plan_opt->count()) o->plan_file = f.plan_file;
  if (f.clients_opt->count()) o->clients = f.clients;
  if (f.rate_opt->count()) o->rate = f.rate;
  if (f.duration_opt->count()) o->duration_s = f.duration_s;
  if (f.keys_opt->count()) o->keys = f.keys;
  if (f.faults_opt->count()) o->faults = f.faults;
  if (f.fault_interval_opt->count()) o->fault_interval_s = f.fault_interval_s;
  return true;
}

SubcommandRun setup(CLI::App* app) {
  auto f = std::make_shared<RunFlags>();
  f->seed_opt = app->add_option("--seed", f->seed_text, "draw the whole plan from this seed, keeping the options given (default: the default scenario, random seed)");
  f->plan_opt = app->add_option("--plan", f->plan_file, "replay this plan.json (options below override parts of it)");
  add_cluster_flags(app, &f->cluster);
  f->clients_opt = app->add_option("--clients", f->clients, "concurrent clients (default 8)");
  f->rate_opt = app->add_option("--rate", f->rate, "operations per second, all clients together, 0.001..1000000 (default 200)");
  f->duration_opt = app->add_option("--duration", f->duration_s, "workload duration in seconds, up to a week (default 20)");
  f->keys_opt = app->add_option("--keys", f->keys, "number of distinct keys (default 12)");
  app->add_option("--out", f->run.out_dir, "where run directories go (default runs/)");
  app->add_option("--bug", f->run.overrides.bugs, "run the nodes with this seeded bug (repeatable; names in core/bugs.h)");
  f->faults_opt = app->add_option(
      "--faults", f->faults, "fault kinds to schedule from the seed: partition,delay,kill,pause,wipe,clock, or none (the default scenario runs partition,kill,pause)");
  f->fault_interval_opt = app->add_option(
      "--fault-interval", f->fault_interval_s, "seconds each fault lasts, and each quiet gap (default: all kinds fit once)");
  return [f](const Invocation& inv) {
    RunOptions run = f->run;
    if (!collect(*f, &run.overrides)) return kExitBadArguments;
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
