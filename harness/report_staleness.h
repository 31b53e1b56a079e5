// The "Staleness" section of report.html (harness/report.h): measured
// staleness (checker/staleness.h) from <run_dir>/staleness.json, or from
// the history when the run predates that file, as two inline SVG plots
// (P(consistent) versus t, the distribution of k) and a table. The two
// plots are drawn by staleness_t_svg and staleness_k_svg, which `faultline
// audit --quantify`'s quantify.html (harness/quantify.h) uses too, with a
// model's series beside the measured one.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "harness/html.h"

namespace faultline {

// One series of P(consistent) versus t: points (t in ms, probability); t =
// 0 is drawn at the floor of the log t axis. css_class styles the line
// ("ln ln-read"); dot_class, when set, adds a dot per point.
struct StalenessTSeries {
  PlotPoints points;
  std::string css_class, dot_class, title;
};
// The P(consistent) versus t panel, t axis up to x_max_ms.
std::string staleness_t_svg(const std::vector<StalenessTSeries>& series, double x_max_ms, const std::string& x_label);

// One series of the distribution of k: k -> fraction of reads, as bars
// (series side by side within each k).
struct StalenessKSeries {
  std::map<int64_t, double> fraction;
  std::string css_class, title;
};
std::string staleness_k_svg(const std::vector<StalenessKSeries>& series);

// The section's HTML; what was malformed is appended to *missing.
std::string staleness_section(const std::string& run_dir, std::vector<std::string>* missing);

}  // namespace faultline
