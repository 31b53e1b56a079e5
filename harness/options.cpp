#include "harness/options.h"

#include <charconv>
#include <cmath>
#include <iostream>
#include <ostream>
#include <sstream>
#include <string>

#include "harness/mode_options.h"

namespace faultline {

Status parse_budget_ms(std::string_view text, int64_t* out_ms, bool zero_allowed) {
  int64_t unit_ms = 1000;
  std::string_view digits = text;
  if (!text.empty()) {
    switch (text.back()) {
      case 's': unit_ms = 1000; digits.remove_suffix(1); break;
      case 'm': unit_ms = 60 * 1000; digits.remove_suffix(1); break;
      case 'h': unit_ms = 3600 * 1000; digits.remove_suffix(1); break;
      default: break;
    }
  }
  int64_t n = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  const bool parsed = !digits.empty() && ec == std::errc() && end == digits.data() + digits.size();
  if (!parsed || n < (zero_allowed ? 0 : 1) || n > kBudgetMsMax / unit_ms) {
    return Status::invalid("'" + std::string(text) + "' is not a " + (zero_allowed ? "" : "positive ") +
                           "duration up to a week (90s, 10m, 1h, or plain seconds)");
  }
  *out_ms = n * unit_ms;
  return Status::ok();
}

Status parse_seconds_ms(std::string_view text, double min_s, double max_s, bool zero_allowed, int64_t* out_ms) {
  double s = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), s);
  const bool parsed = !text.empty() && ec == std::errc() && end == text.data() + text.size();
  const bool low_ok = zero_allowed || min_s > 0 ? s >= min_s : s > 0;
  if (!parsed || !low_ok || !(s <= max_s)) {
    std::ostringstream range;
    range << (zero_allowed || min_s > 0 ? "[" : "(") << min_s << ", " << max_s << "]";
    return Status::invalid("'" + std::string(text) + "' must be a number of seconds in " + range.str());
  }
  *out_ms = std::llround(s * 1000);
  return Status::ok();
}

namespace {

// A transform that replaces the text by the milliseconds `parse` makes of it.
template <typename Parse>
CLI::Validator ms_transform(std::string name, Parse parse) {
  return CLI::Validator(
      [parse](std::string& text) -> std::string {
        int64_t ms = 0;
        Status s = parse(text, &ms);
        if (!s) return s.message();
        text = std::to_string(ms);
        return "";
      },
      "", std::move(name));
}

}  // namespace

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

CLI::Validator budget_ms(bool zero_allowed) {
  return ms_transform("BUDGET", [zero_allowed](std::string_view t, int64_t* ms) {
    return parse_budget_ms(t, ms, zero_allowed);
  });
}

CLI::Validator seconds_ms(double min_s, double max_s, bool zero_allowed) {
  return ms_transform("SECONDS", [=](std::string_view t, int64_t* ms) {
    return parse_seconds_ms(t, min_s, max_s, zero_allowed, ms);
  });
}

void add_run_flags(CLI::App* app, RunFlags* f) {
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
}

bool collect_run_flags(const RunFlags& f, const std::string& command, std::ostream& err, RunOverrides* o) {
  collect_cluster_flags(f.cluster, o);
  if (f.seed_opt->count()) {
    uint64_t seed = 0;
    auto [end, ec] = std::from_chars(f.seed_text.data(), f.seed_text.data() + f.seed_text.size(), seed);
    if (ec != std::errc() || end != f.seed_text.data() + f.seed_text.size()) {
      err << command << ": --seed: '" << f.seed_text << "' is not a non-negative 64-bit integer\n";
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

int run_from_flags(const RunFlags& f, bool simulate, const std::string& self, int progress_fd) {
  RunOptions run = f.run;
  run.simulate = simulate;
  if (!collect_run_flags(f, std::string("faultline ") + run.command(), std::cerr, &run.overrides)) {
    return kExitBadArguments;
  }
  run.node_bin = f.cluster.node_bin;
  run.self = self;
  run.progress_fd = progress_fd;
  return run_command(run, std::cout, std::cerr);
}

}  // namespace faultline
