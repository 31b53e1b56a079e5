// `faultline audit --quantify` (issue 18, items 4 and 5): how stale reads
// are, how much each repair mechanism narrows the stale window, and what
// each configuration costs in latency and availability, measured in the
// simulator with the probe workload (sim/staleness_probe.h) and set beside
// the WARS model (model/wars.h) and the k-staleness closed form.
//
// The matrix, N = RF = 3:
// - the model's own setting: (R, W) in (1,1), (1,2), (2,1), (2,2), all four
//   legs exponential (mean 10 ms) or lognormal(2, 0.5), no repair; and
//   k-staleness with propagation cut to W for (1,1), (1,2), (2,1);
// - repair: legs exponential, every key read once at every t of the grid
//   (so an earlier read's repair reaches a later read). (R,W) = (2,1) with
//   read repair none / async / blocking, digest reads off and on; (1,1)
//   with anti-entropy off, every 50 ms and every 500 ms. Each as a
//   t-visibility probe and a k probe (4 writes per key, the coordinator's
//   fan-out cut to W, so repair is the only way a version spreads);
// - under faults: each repair configuration's t probe again under the
//   audit's standard fault mix (a partition, a kill, a pause; stretched
//   over the probe), and (1,1) with hinted handoff on.
// Each row: P(consistent | t) measured and modelled, P(within k versions)
// and the closed form, the k distribution, read and write latency p50 /
// p99 / p99.9 and availability (ok / total), per fault window under faults.
// Writes quantify.md, quantify.json and quantify.html (SVG plots) to the
// output directory, each row's run directory under runs/.
//
// Real processes: not covered (`faultline run` refuses a probe plan);
// docs/audit.md says what that leaves open.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "checker/op_stats.h"
#include "core/status.h"

namespace faultline {

struct QuantifyOptions {
  std::string out_dir;
  int64_t reads_per_t = 1000;
  int model_trials = 100000;
  uint64_t seed = 1;
  // Only the rows whose name contains this (empty: all); for tests.
  std::string only;
};

struct QuantifyRow {
  std::string name;  // "R1W1-t-exp:10", "R2W1-t-rr=async", "R1W1-t-none@faults"
  int r = 1, w = 1;
  std::string legs;    // LatencyDistribution::to_string
  std::string repair;  // "none", "rr=async digest", "ae=50ms", ...
  bool k_staleness = false;
  bool under_faults = false;
  // P(consistent | t) at each t of the grid: measured and the model's (a k
  // row's model is the closed form at k = 1 at every t: no propagation).
  std::vector<int64_t> t_ms, reads;
  std::vector<double> measured, model;
  // k rows: P(within k versions) for k = 1..writes per key - 1, over every
  // read, and the closed form.
  std::vector<int64_t> k;
  std::vector<double> k_measured, k_model;
  std::map<int64_t, int64_t> k_histogram;  // measured, over judged reads
  int64_t reads_judged = 0;
  double gap_max = 0;  // largest |measured - model| over t and k
  OpStats ops;
};

// Runs every configuration; io errors name the file.
Status run_quantify(const QuantifyOptions& o, std::vector<QuantifyRow>* rows);
std::string quantify_markdown(const QuantifyOptions& o, const std::vector<QuantifyRow>& rows);
std::string quantify_json(const QuantifyOptions& o, const std::vector<QuantifyRow>& rows);
// A self-contained page: per row, P(consistent | t) measured against the
// model and the k distribution measured against the closed form.
std::string quantify_html(const QuantifyOptions& o, const std::vector<QuantifyRow>& rows);

}  // namespace faultline
