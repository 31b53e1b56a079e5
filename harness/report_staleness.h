// The "Staleness" section of report.html (harness/report.h): measured
// staleness (checker/staleness.h) from <run_dir>/staleness.json, or from
// the history when the run predates that file, as two inline SVG plots
// (P(consistent) versus t, the distribution of k) and a table. Internal to
// the report; no other part includes it.
#pragma once

#include <string>
#include <vector>

namespace faultline {

// The section's HTML; what was malformed is appended to *missing.
std::string staleness_section(const std::string& run_dir, std::vector<std::string>* missing);

}  // namespace faultline
