// Command-line options several subcommands share: the cluster-shaping flags
// of `run` and `cluster`, and values as CLI11 transforms, so each subcommand
// declares `--budget` the same way and a bad value fails at parse time with
// the option's name (exit 254):
//   budgets   "90s", "10m", "1h" or plain seconds, up to a week -> ms
//   seconds   a decimal number of seconds within a range -> ms
// The parsing functions behind them are plain (Status, no CLI11) so other
// callers and tests use the same rules.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "core/status.h"
#include "harness/exit_codes.h"
#include "harness/run.h"

namespace faultline {

inline constexpr int64_t kBudgetMsMax = int64_t{7} * 24 * 3600 * 1000;  // a week: more is a typo

// "90s", "10m", "1h", "600" (seconds) -> milliseconds in (0, a week];
// with zero_allowed also "0". Invalid otherwise, quoting the text.
Status parse_budget_ms(std::string_view text, int64_t* out_ms, bool zero_allowed = false);

// A decimal number of seconds in [min_s, max_s] (or (0, max_s] when
// min_s is 0 and zero_allowed is false) -> milliseconds, rounded.
Status parse_seconds_ms(std::string_view text, double min_s, double max_s, bool zero_allowed, int64_t* out_ms);

// The options that shape a cluster, shared by `run` and `cluster`: node
// count, replication, consistency levels, the mode switches
// (harness/mode_options.h) and the node binary. Values land in plain
// variables; an option counts as given only when it was on the command line
// (collect_cluster_flags), so a plan's own values stay otherwise.
struct ClusterFlags {
  int nodes = 0, rf = 0, vnodes = 0;
  std::string read_cl, write_cl, node_bin;
  CLI::Option *nodes_opt = nullptr, *rf_opt = nullptr, *vnodes_opt = nullptr, *read_cl_opt = nullptr,
              *write_cl_opt = nullptr;
  std::map<std::string, std::string> mode_values;  // by flag; node-based, so stable for CLI11
  std::vector<std::pair<std::string, CLI::Option*>> mode_opts;
};

// `flags` must outlive the parse (CLI11 writes into it).
void add_cluster_flags(CLI::App* app, ClusterFlags* flags);
// The given options into overrides (nodes, rf, ..., modes in command-line order).
void collect_cluster_flags(const ClusterFlags& flags, RunOverrides* overrides);

// The options of a whole run, shared by `run` and `sim`: the cluster's
// (above), the seed or plan, the workload's, --out, --bug and the fault
// schedule. Filled by CLI11; collect_run_flags turns the given ones into
// RunOptions.
struct RunFlags {
  RunOptions run;
  ClusterFlags cluster;
  std::string seed_text;  // parsed by hand: CLI11 wraps "-1" into 2^64 - 1
  std::string plan_file, faults;
  int clients = 0, keys = 0;
  double rate = 0, duration_s = 0, fault_interval_s = 0;
  CLI::Option *seed_opt = nullptr, *plan_opt = nullptr, *clients_opt = nullptr, *rate_opt = nullptr,
              *duration_opt = nullptr, *keys_opt = nullptr, *faults_opt = nullptr, *fault_interval_opt = nullptr;
};

// `flags` must outlive the parse.
void add_run_flags(CLI::App* app, RunFlags* flags);
// The options given into overrides; false, after telling err why (prefixed
// with `command`), when --seed is not a seed.
bool collect_run_flags(const RunFlags& flags, const std::string& command, std::ostream& err, RunOverrides* overrides);
// What `run` and `sim` do once parsed: the flags into RunOptions, then
// run_command (simulate: in the simulator). `self` is how faultline was
// invoked; progress_fd as RunOptions says. Returns the exit code.
int run_from_flags(const RunFlags& flags, bool simulate, const std::string& self, int progress_fd);

// CLI11 transforms rewriting the option's text to milliseconds, for an
// int64_t option: app->add_option("--budget", ms)->transform(budget_ms()).
CLI::Validator budget_ms(bool zero_allowed = false);
CLI::Validator seconds_ms(double min_s, double max_s, bool zero_allowed);

}  // namespace faultline
