// faultline: the command line. Thin: parses options with CLI11 and calls the
// harness library. Exit codes (DESIGN.md): 0 valid, 1 invalid, 2 unknown,
// 254 bad arguments or plan, 255 harness error; 130 after SIGINT.
#include <charconv>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <unistd.h>

#include <CLI/CLI.hpp>

#include "checker/checker.h"
#include "harness/audit.h"
#include "harness/bugzoo.h"
#include "harness/child_registry.h"
#include "harness/ci.h"
#include "harness/cluster_command.h"
#include "harness/mode_options.h"
#include "harness/report.h"
#include "harness/repro.h"
#include "harness/run.h"
#include "harness/shrink.h"

namespace faultline {
namespace {

// Options that shape the cluster, shared by `run` and `cluster`. Values land
// in plain variables; an option counts as given only when it was on the
// command line (see collect_cluster_options), so the plan's own values stay
// otherwise.
struct ClusterFlags {
  int nodes = 0, rf = 0, vnodes = 0;
  std::string read_cl, write_cl, node_bin;
  CLI::Option *nodes_opt, *rf_opt, *vnodes_opt, *read_cl_opt, *write_cl_opt;
  std::map<std::string, std::string> mode_values;  // by flag; node-based, so stable for CLI11
  std::vector<std::pair<std::string, CLI::Option*>> mode_opts;
};

void add_cluster_flags(CLI::App* app, ClusterFlags* f) {
  f->nodes_opt = app->add_option("--nodes", f->nodes, "number of nodes (default 5)");
  f->rf_opt = app->add_option("--rf", f->rf, "replication factor (default 3)");
  f->vnodes_opt = app->add_option("--vnodes", f->vnodes, "virtual nodes per node (default 8)");
  f->read_cl_opt = app->add_option("--read-cl", f->read_cl, "read consistency level: ONE, TWO, QUORUM, ALL (default QUORUM)");
  f->write_cl_opt = app->add_option("--write-cl", f->write_cl, "write consistency level: ANY, ONE, TWO, QUORUM, ALL (default QUORUM)");
  app->add_option("--node-bin", f->node_bin, "faultline-node binary (default: next to faultline)");
  for (const ModeOption& m : mode_options()) {
    f->mode_opts.emplace_back(m.flag, app->add_option(m.flag, f->mode_values[m.flag], m.help));
  }
}

void collect_cluster_flags(const ClusterFlags& f, RunOverrides* o) {
  if (f.nodes_opt->count()) o->nodes = f.nodes;
  if (f.rf_opt->count()) o->rf = f.rf;
  if (f.vnodes_opt->count()) o->vnodes = f.vnodes;
  if (f.read_cl_opt->count()) o->read_cl = f.read_cl;
  if (f.write_cl_opt->count()) o->write_cl = f.write_cl;
  for (const auto& [flag, opt] : f.mode_opts) {
    if (opt->count()) o->modes.emplace_back(flag, f.mode_values.at(flag));
  }
}

int check_command(const std::string& run_dir, const std::vector<std::string>& properties) {
  std::error_code ec;
  if (!std::filesystem::is_directory(run_dir, ec)) {
    std::cerr << "faultline check: " << run_dir << " is not a run directory\n";
    return kExitBadArguments;
  }
  Verdict verdict = check_run_dir(run_dir, CheckOptions{properties});
  Status s = write_verdict(run_dir, verdict);
  if (!s) std::cerr << "faultline check: warning: " << s.message() << "\n";
  print_verdict(std::cout, verdict);
  return verdict_exit_code(verdict);
}

int main_impl(int argc, char** argv) {
  CLI::App app{"faultline: fault-injection harness and checker for a Dynamo-style store"};
  app.require_subcommand(1);

  RunOptions run;
  run.self = argv[0];
  ClusterFlags run_flags;
  std::string seed_text;  // parsed by hand: CLI11 wraps "-1" into 2^64 - 1
  std::string plan_file;
  int clients = 0, keys = 0;
  double rate = 0, duration_s = 0;
  CLI::App* run_cmd = app.add_subcommand("run", "run a cluster under a workload, record the history and check it");
  auto* seed_opt = run_cmd->add_option("--seed", seed_text, "draw the whole plan from this seed, keeping the options given (default: the default scenario, random seed)");
  auto* plan_opt = run_cmd->add_option("--plan", plan_file, "replay this plan.json (options below override parts of it)");
  add_cluster_flags(run_cmd, &run_flags);
  auto* clients_opt = run_cmd->add_option("--clients", clients, "concurrent clients (default 8)");
  auto* rate_opt = run_cmd->add_option("--rate", rate, "operations per second, all clients together (default 200)");
  auto* duration_opt = run_cmd->add_option("--duration", duration_s, "workload duration in seconds (default 20)");
  auto* keys_opt = run_cmd->add_option("--keys", keys, "number of distinct keys (default 12)");
  run_cmd->add_option("--out", run.out_dir, "where run directories go (default runs/)");
  run_cmd->add_option("--bug", run.overrides.bugs,
                      "run the nodes with this seeded bug (repeatable; names in core/bugs.h)");
  std::string faults;
  double fault_interval_s = 0;
  auto* faults_opt = run_cmd->add_option(
      "--faults", faults, "fault kinds to schedule from the seed: partition,delay,kill,pause,wipe,clock, or none (the default scenario runs partition,kill,pause)");
  auto* fault_interval_opt = run_cmd->add_option(
      "--fault-interval", fault_interval_s, "seconds each fault lasts, and each quiet gap (default: all kinds fit once)");

  std::string check_dir;
  std::vector<std::string> properties;
  CLI::App* check_cmd = app.add_subcommand("check", "check a run directory and write its verdict.json");
  check_cmd->add_option("RUN_DIR", check_dir, "the run directory")->required();
  check_cmd->add_option("--property", properties, "check only this property (repeatable)");

  ClusterCommandOptions cluster;
  ClusterFlags cluster_flags;
  CLI::App* cluster_cmd = app.add_subcommand("cluster", "start a cluster for redis-cli; Ctrl-C stops it");
  add_cluster_flags(cluster_cmd, &cluster_flags);
  cluster_cmd->add_option("--dir", cluster.dir, "directory for the nodes (default: a new /tmp/faultline-cluster-*)");

  BugzooOptions zoo;
  std::string zoo_budget, zoo_per_bug_budget;
  CLI::App* zoo_cmd = app.add_subcommand("bugzoo", "run each seeded bug's scenario until the checker catches it, then the same plans on the clean node; writes docs/bugzoo.md");
  zoo_cmd->add_option("--budget", zoo_budget, "total time for the bugs, e.g. 90s, 10m, 1h (default 7m); the clean-node check gets as much again");
  zoo_cmd->add_option("--per-bug-budget", zoo_per_bug_budget, "time per bug (default: --budget / number of bugs)");
  zoo_cmd->add_option("--bug", zoo.bugs, "only this seeded bug (repeatable; default all of core/bugs.h)");
  zoo_cmd->add_option("--out", zoo.out_dir, "where run directories go (default runs/bugzoo)");
  zoo_cmd->add_option("--seed-base", zoo.seed_base, "first seed of each bug's plans (default 1)")->check(CLI::NonNegativeNumber);
  zoo_cmd->add_option("--table", zoo.table_path, "where the Markdown table goes besides OUT/bugzoo.md (default docs/bugzoo.md)");
  zoo_cmd->add_option("--node-bin", zoo.node_bin, "faultline-node binary (default: next to faultline)");
  std::string zoo_shrink_budget;
  zoo_cmd->add_option("--shrink-budget", zoo_shrink_budget, "time to shrink each caught bug's run, and at least 5 replays of it (default 30s; 0: no shrinking)");

  ReproOptions repro;
  CLI::App* repro_cmd = app.add_subcommand("repro", "replay a run's plan K times and report how often it fails the same way");
  repro_cmd->add_option("RUN_DIR", repro.run_dir, "the run directory to replay")->required();
  repro_cmd->add_option("--times", repro.times, "how many tries (default 5)");
  repro_cmd->add_option("--out", repro.out_dir, "where the tries' run directories go (default RUN_DIR/repro)");
  repro_cmd->add_option("--node-bin", repro.node_bin, "faultline-node binary (default: next to faultline)");

  AuditOptions audit;
  audit.self = argv[0];
  std::string audit_budget = "10m";
  CLI::App* audit_cmd = app.add_subcommand("audit", "run the repair-mode matrix under faults and tabulate which guarantees hold");
  audit_cmd->add_option("--budget", audit_budget, "wall-clock budget: 90s, 10m, 1h or seconds (default 10m)");
  audit_cmd->add_option("--seeds", audit.seeds, "seeds per configuration (default 6)");
  audit_cmd->add_option("--jobs", audit.jobs, "runs at once (default: the number of cores)");
  audit_cmd->add_option("--out", audit.out_dir, "output directory (default runs/audit-<UTC time>)");
  audit_cmd->add_option("--node-bin", audit.node_bin, "faultline-node binary (default: next to faultline)");
  // Hidden: a sub-matrix and short runs, for tests.
  audit_cmd->add_option("--rows", audit.rows, "only these configurations")->group("")->delimiter(',');
  double audit_duration_s = 0;
  audit_cmd->add_option("--duration", audit_duration_s, "workload seconds of every configuration")->group("");

  CiOptions ci;
  ci.self = argv[0];
  std::string ci_budget = "15m";
  CLI::App* ci_cmd = app.add_subcommand("ci", "the merge gate: a fixed list of seeds and configurations; junit.xml");
  ci_cmd->add_option("--suite", ci.suite, "smoke (about 2 minutes on 2 cores) or full (default smoke)");
  ci_cmd->add_option("--budget", ci_budget, "wall-clock budget: 90s, 10m, 1h or seconds (default 15m)");
  ci_cmd->add_option("--jobs", ci.jobs, "runs at once (default: the number of cores)");
  ci_cmd->add_option("--out", ci.out_dir, "output directory (default runs/ci-<suite>-<UTC time>)");
  ci_cmd->add_option("--node-bin", ci.node_bin, "faultline-node binary (default: next to faultline)");

  std::string report_dir;
  CLI::App* report_cmd = app.add_subcommand("report", "write a run directory's report.html again, from its files alone");
  report_cmd->add_option("RUN_DIR", report_dir, "the run directory")->required();

  ShrinkOptions shrink;
  std::string shrink_budget;
  CLI::App* shrink_cmd = app.add_subcommand("shrink", "find a smaller plan that still fails the way a run failed");
  shrink_cmd->add_option("RUN_DIR", shrink.run_dir, "the failing run directory (plan.json, verdict.json)")->required();
  shrink_cmd->add_option("--budget", shrink_budget, "stop starting candidates after this long: 90s, 10m, 1h or seconds (default 10m)");
  shrink_cmd->add_option("--tries", shrink.tries, "runs per candidate; it fails if any run does (default 2)");
  shrink_cmd->add_option("--property", shrink.properties, "preserve this property's violation (repeatable; default: every property the verdict shows violated)");
  shrink_cmd->add_option("--out", shrink.out_dir, "where candidate runs and shrunk-plan.json go (default RUN_DIR/shrink)");
  shrink_cmd->add_option("--node-bin", shrink.node_bin, "faultline-node binary (default: next to faultline)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitBadArguments;
  }

  if (*check_cmd) return check_command(check_dir, properties);
  if (*report_cmd) return report_command(report_dir, ReportOptions{argv[0]}, std::cout, std::cerr);

  ChildRegistry::install_exit_handlers();
  if (*audit_cmd || *ci_cmd) {
    const bool is_audit = static_cast<bool>(*audit_cmd);
    int64_t* budget_ms = is_audit ? &audit.budget_ms : &ci.budget_ms;
    Status s = parse_budget_ms(is_audit ? audit_budget : ci_budget, budget_ms);
    if (s && is_audit && audit_duration_s != 0) {
      if (!(audit_duration_s > 0) || audit_duration_s > 3600) s = Status::invalid("--duration: must be in (0, 3600] seconds");
      audit.duration_ms = static_cast<int64_t>(audit_duration_s * 1000);
    }
    if (!s) {
      std::cerr << "faultline " << (is_audit ? "audit" : "ci") << ": " << s.message() << "\n";
      return kExitBadArguments;
    }
    return is_audit ? audit_command(audit, std::cout, std::cerr) : ci_command(ci, std::cout, std::cerr);
  }
  if (*repro_cmd) {
    repro.self = argv[0];
    return repro_command(repro, std::cout, std::cerr);
  }
  if (*zoo_cmd) {
    zoo.self = argv[0];
    for (int i = 0; i < argc; ++i) zoo.command_line += (i ? " " : "") + std::string(argv[i]);
    // Budgets as `faultline shrink` reads them (shrink.h parse_budget_ms).
    if (zoo_shrink_budget == "0") zoo.shrink_budget_ms = 0;
    for (auto [option, text] : {std::pair{"--budget", &zoo_budget}, std::pair{"--per-bug-budget", &zoo_per_bug_budget},
                                std::pair{"--shrink-budget", &zoo_shrink_budget}}) {
      int64_t ms = 0;
      if (text->empty() || (text == &zoo_shrink_budget && *text == "0")) continue;
      if (!parse_budget_ms(*text, &ms)) {
        std::cerr << "faultline bugzoo: " << option << ": '" << *text
                  << "' is not a positive duration up to a week (90s, 10m, 1h, or plain seconds)\n";
        return kExitBadArguments;
      }
      if (text == &zoo_budget) zoo.budget_ms = ms;
      else if (text == &zoo_per_bug_budget) zoo.per_bug_budget_ms = ms;
      else zoo.shrink_budget_ms = ms;
    }
    return bugzoo_command(zoo, std::cout, std::cerr);
  }
  if (*shrink_cmd) {
    if (!shrink_budget.empty()) {
      if (Status b = parse_budget_ms(shrink_budget, &shrink.budget_ms); !b) {
        std::cerr << "faultline shrink: " << b.message() << "\n";
        return kExitBadArguments;
      }
    }
    shrink.self = argv[0];
    shrink.progress_fd = STDOUT_FILENO;
    return shrink_command(shrink, std::cout, std::cerr);
  }
  if (*cluster_cmd) {
    collect_cluster_flags(cluster_flags, &cluster.overrides);
    cluster.node_bin = cluster_flags.node_bin;
    return cluster_command(cluster, std::cout, std::cerr);
  }
  RunOverrides& o = run.overrides;
  collect_cluster_flags(run_flags, &o);
  run.node_bin = run_flags.node_bin;
  run.progress_fd = STDOUT_FILENO;
  if (seed_opt->count()) {
    uint64_t seed = 0;
    auto [end, ec] = std::from_chars(seed_text.data(), seed_text.data() + seed_text.size(), seed);
    if (ec != std::errc() || end != seed_text.data() + seed_text.size()) {
      std::cerr << "faultline run: --seed: '" << seed_text << "' is not a non-negative 64-bit integer\n";
      return kExitBadArguments;
    }
    o.seed = seed;
  }
  if (plan_opt->count()) o.plan_file = plan_file;
  if (clients_opt->count()) o.clients = clients;
  if (rate_opt->count()) o.rate = rate;
  if (duration_opt->count()) o.duration_s = duration_s;
  if (keys_opt->count()) o.keys = keys;
  if (faults_opt->count()) o.faults = faults;
  if (fault_interval_opt->count()) o.fault_interval_s = fault_interval_s;
  return run_command(run, std::cout, std::cerr);
}

}  // namespace
}  // namespace faultline

int main(int argc, char** argv) {
  try {
    return faultline::main_impl(argc, argv);
  } catch (const std::exception& e) {
    // Nodes must not outlive us, whatever went wrong.
    faultline::ChildRegistry::kill_all();
    std::cerr << "faultline: internal error: " << e.what() << "\n";
    return faultline::kExitHarnessError;
  }
}
