// `faultline repro RUN_DIR [--times K]`: replays a run's plan.json K times,
// each into a new run directory, and reports how many tries failed the same
// way as the original (issue 6, item 3).
//
// "The same way": the original verdict.json names the properties it found
// violated (guaranteed or allowed anomalies alike); a try reproduces when it
// violates at least one of them again. When the original violated nothing,
// a try reproduces when its verdict value (valid, unknown) is the same.
//
// Real processes are not deterministic: the plan fixes the cluster, modes,
// workload choices and fault schedule, but not thread and network timing, so
// a replay may or may not hit the same interleaving. The output says so and
// gives the reproduction rate instead of a yes or no.
#pragma once

#include <iosfwd>
#include <set>
#include <string>

#include "core/status.h"

namespace faultline {

// Bounds on --times: at least one try; more than this is a typo, not a plan.
inline constexpr int kReproTimesMax = 1000;

struct ReproOptions {
  std::string run_dir;
  int times = 5;
  std::string out_dir;   // empty: <run_dir>/repro
  std::string node_bin;  // empty: next to this executable
  std::string self;      // how to invoke faultline, for the replay commands
};

// What one run's verdict.json says.
struct VerdictSummary {
  std::string value;               // valid | invalid | unknown
  std::set<std::string> violated;  // property ids with result "violated"
  std::set<std::string> violated_guaranteed;  // those of them the modes guarantee
};

// Reads <run_dir>/verdict.json. Invalid, naming the file, when missing or malformed.
Status read_verdict_summary(const std::string& run_dir, VerdictSummary* out);

// True when `try_run` failed the way `original` did (see above).
bool reproduces(const VerdictSummary& original, const VerdictSummary& try_run);

// "invalid (violated: a, b)", or just the value when nothing was violated.
std::string describe(const VerdictSummary& v);

// Runs the tries; returns the exit code: 0 when at least one try reproduced,
// 1 when none did, 254 bad arguments or run directory, 255 harness error.
// One line per try and the rate go to out, problems to err.
int repro_command(const ReproOptions& options, std::ostream& out, std::ostream& err);

}  // namespace faultline
