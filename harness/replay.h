// Replaying a run's plan and judging whether a replay failed the same way:
// what `faultline repro` reports as a rate, what `faultline shrink` keeps a
// candidate by, and what bugzoo counts as caught.
//
// "The same way": the original verdict.json names the properties it found
// violated (guaranteed or allowed anomalies alike); a try reproduces when it
// violates at least one of them again. When the original violated nothing,
// a try reproduces when its verdict value (valid, unknown) is the same.
//
// Real processes are not deterministic: the plan fixes the cluster, modes,
// workload choices and fault schedule, but not thread and network timing, so
// a replay may or may not hit the same interleaving.
#pragma once

#include <set>
#include <string>

#include "core/status.h"

namespace faultline {

// What one run's verdict.json says.
struct VerdictSummary {
  std::string value;               // valid | invalid | unknown
  std::set<std::string> violated;  // property ids with result "violated"
  std::set<std::string> violated_guaranteed;  // those of them the modes guarantee
};

struct Verdict;
// The summary of a verdict in memory (a simulated run's).
VerdictSummary summarize(const Verdict& v);

// Reads <run_dir>/verdict.json (checker/verdict_io.h). Invalid, naming the
// file, when missing or malformed.
Status read_verdict_summary(const std::string& run_dir, VerdictSummary* out);

// True when `try_run` failed the way `original` did (see above).
bool reproduces(const VerdictSummary& original, const VerdictSummary& try_run);

// "invalid (violated: a, b)", or just the value when nothing was violated.
std::string describe(const VerdictSummary& v);

}  // namespace faultline
