// `faultline audit --quantify`, first part (issue 18, item 4): for each
// configuration of a small matrix (N = 3; (R, W) in (1,1), (1,2), (2,1),
// (2,2); exponential and lognormal legs), the staleness the simulator
// measures with the probe workload (sim/staleness_probe.h) next to the WARS
// model's, and k-staleness with propagation suppressed next to the closed
// form. Writes quantify.md and quantify.json to the output directory, with
// each configuration's run directory under runs/.
//
// Not yet: real runs, repair modes (a probe reads each key once, so read
// repair cannot change what it measures), latency percentiles and
// availability, SVG plots (docs/staleness.md, "Not done yet").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace faultline {

struct QuantifyOptions {
  std::string out_dir;
  int64_t reads_per_t = 1000;
  int model_trials = 100000;
  uint64_t seed = 1;
};

struct QuantifyRow {
  std::string name;  // "R1W1-exp10"
  int r = 1, w = 1;
  std::string legs;  // LatencyDistribution::to_string
  bool k_staleness = false;
  std::vector<int64_t> t_ms;  // t-visibility rows: the grid; k rows: k = 1..
  std::vector<int64_t> reads;
  std::vector<double> measured, model;
  double gap_max = 0;  // largest |measured - model|
};

// Runs every configuration; io errors name the file.
Status run_quantify(const QuantifyOptions& o, std::vector<QuantifyRow>* rows);
std::string quantify_markdown(const QuantifyOptions& o, const std::vector<QuantifyRow>& rows);
std::string quantify_json(const QuantifyOptions& o, const std::vector<QuantifyRow>& rows);

}  // namespace faultline
