// `faultline run`: one whole run, DESIGN.md "Lifecycle of faultline run":
// plan -> run directory -> cluster -> workload -> final reads and dumps ->
// stop -> checker -> summary. Exit codes as Jepsen's: 0 valid, 1 invalid,
// 2 unknown, 254 bad arguments or plan, 255 harness error.
//
// RunOverrides are the command-line options; each one set replaces that part
// of the plan, whether the plan came from a seed or from --plan FILE.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/plan.h"
#include "core/status.h"
#include "harness/exit_codes.h"

namespace faultline {

struct RunOverrides {
  std::optional<uint64_t> seed;
  std::optional<std::string> plan_file;
  std::optional<int> nodes;
  std::optional<int> rf;
  std::optional<int> vnodes;
  std::optional<std::string> read_cl;
  std::optional<std::string> write_cl;
  std::optional<int> clients;
  std::optional<double> rate;
  std::optional<double> duration_s;
  std::optional<int> keys;
  std::optional<std::string> faults;        // --faults partition,kill,...: a seeded schedule
  std::optional<double> fault_interval_s;   // --fault-interval: length of each fault and each quiet gap
  // Mode switches (harness/mode_options.h) as (flag, value), in command-line
  // order; applied over the plan (drawn, read or default).
  std::vector<std::pair<std::string, std::string>> modes;
  // --bug NAME (repeatable): seeded bugs (core/bugs.h) added to the plan's.
  std::vector<std::string> bugs;
};

// The plan a run uses: --plan FILE; or, with --seed N, the plan drawn from N
// (generators/plan_gen.h) with the overrides pinned; or, with neither, the
// default scenario and a random seed. Then the overrides. Invalid (-> exit
// 254) with a message naming the option or plan field.
Status resolve_plan(const RunOverrides& o, Plan* plan);

// What `run` and `cluster` both need before they touch the disk: the plan
// and the node binary. Returns 0, or the exit code after telling err why
// (254 bad plan, 255 no node binary). `command` prefixes messages.
int resolve_plan_and_node_bin(const RunOverrides& o, const std::string& node_bin_given, const std::string& command,
                              std::ostream& err, Plan* plan, std::string* node_bin);

// The `--seed N ...` command line that recreates the same plan when the run
// was given --seed (without one the default scenario is not drawn).
std::string seed_replay_args(const RunOverrides& o, uint64_t seed);

struct RunOptions {
  RunOverrides overrides;
  std::string out_dir = "runs";
  std::string node_bin;  // empty: next to this executable
  std::string self;      // how to invoke faultline, for the replay commands
  // When set, receives the run directory's path as soon as it exists, so
  // callers that run many plans (repro, shrink, audit, ci, bugzoo) need not
  // read <out_dir>/latest, which a concurrent run may repoint.
  std::string* run_dir_out = nullptr;
  // The file descriptor behind `out`, for the progress line of the workload
  // phase (harness/progress.h): a terminal gets a live line, anything else a
  // plain line every few seconds. -1: no progress (callers running many
  // plans show their own).
  int progress_fd = -1;
  // Run the plan in the simulator (sim/plan_sim.h) in virtual time instead
  // of on real processes (`faultline sim`): no node binary, the same run
  // directory plus trace.txt, the same checker and exit codes.
  bool simulate = false;
  // The subcommand's name, for messages and replay commands.
  const char* command() const { return simulate ? "sim" : "run"; }
};

// Runs everything; returns the process exit code. Progress and summary go
// to out, problems to err.
int run_command(const RunOptions& options, std::ostream& out, std::ostream& err);

}  // namespace faultline
