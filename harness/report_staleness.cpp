#include "harness/report_staleness.h"

#include <algorithm>
#include <cstdio>
#include <limits>

#include "checker/staleness.h"
#include "harness/html.h"

namespace faultline {
namespace {

constexpr int kPlotWidthPx = 1180;
constexpr int kPlotHeightPx = 260;
// t = 0 is drawn here on the log t axis.
constexpr double kTFloorMs = 0.5;

std::string percent(double p) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100 * p);
  return buf;
}

std::string ms_label(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, ms < 1 ? "0" : "%g ms", ms);
  return buf;
}

// Where a bucket is drawn: at its upper bound (its lower one for the last).
double bucket_x(const StalenessBucket& b) {
  const bool last = b.t_ms_max == std::numeric_limits<int64_t>::max();
  return std::max(kTFloorMs, static_cast<double>(last ? b.t_ms_min : b.t_ms_max));
}

std::string bucket_label(const StalenessBucket& b) {
  if (b.t_ms_max == std::numeric_limits<int64_t>::max()) return ">= " + std::to_string(b.t_ms_min) + " ms";
  if (b.t_ms_min == b.t_ms_max) return std::to_string(b.t_ms_min) + " ms";
  return std::to_string(b.t_ms_min) + "-" + std::to_string(b.t_ms_max) + " ms";
}

std::string t_plot(const StalenessSummary& s) {
  StalenessTSeries measured{{}, "ln ln-read", "pt pt-ok", "P(consistent) versus t"};
  double x_max = 1;
  for (const StalenessBucket& b : s.t_visibility) {
    x_max = std::max(x_max, bucket_x(b));
    if (b.reads > 0) {
      measured.points.emplace_back(bucket_x(b), static_cast<double>(b.consistent) / static_cast<double>(b.reads));
    }
  }
  return "<div id=\"staleness-t\">" +
         staleness_t_svg({measured}, x_max, "t: ms after the newest acknowledged write (bucket upper bound)") +
         "</div>\n";
}

std::string k_plot(const StalenessSummary& s) {
  StalenessKSeries measured{{}, "ln ln-write", "reads k versions behind"};
  for (const auto& [k, reads] : s.k_histogram) {
    measured.fraction[k] = static_cast<double>(reads) / static_cast<double>(std::max<int64_t>(1, s.reads_judged));
  }
  return "<div id=\"staleness-k\">" + staleness_k_svg({measured}) + "</div>\n";
}

std::string bucket_table(const StalenessSummary& s) {
  std::string out = "<table><tr><th>t</th><th>reads</th><th>consistent</th><th>P(consistent)</th></tr>\n";
  for (const StalenessBucket& b : s.t_visibility) {
    if (b.reads == 0) continue;
    out += "<tr><td>" + html_escape(bucket_label(b)) + "</td><td class=\"n\">" + std::to_string(b.reads) +
           "</td><td class=\"n\">" + std::to_string(b.consistent) + "</td><td class=\"n\">" +
           percent(static_cast<double>(b.consistent) / static_cast<double>(b.reads)) + "</td></tr>\n";
  }
  return out + "</table>\n";
}

}  // namespace

std::string staleness_t_svg(const std::vector<StalenessTSeries>& series, double x_max_ms, const std::string& x_label) {
  SvgPlot plot(kPlotWidthPx, kPlotHeightPx, PlotAxis{kTFloorMs, std::max(1.0, x_max_ms) * 2, true, x_label, ms_label},
               PlotAxis{0, 1.05, false, "P(consistent)", percent});
  for (const StalenessTSeries& s : series) {
    PlotPoints points = s.points;
    for (auto& p : points) p.first = std::max(kTFloorMs, p.first);
    plot.line(points, s.css_class, s.title);
    if (!s.dot_class.empty()) plot.dots(points, s.dot_class);
  }
  return plot.render();
}

std::string staleness_k_svg(const std::vector<StalenessKSeries>& series) {
  int64_t k_max = 1;
  for (const StalenessKSeries& s : series) {
    for (const auto& [k, f] : s.fraction) k_max = std::max(k_max, k);
  }
  SvgPlot plot(kPlotWidthPx, kPlotHeightPx,
               PlotAxis{-0.5, static_cast<double>(k_max) + 0.5, false, "k: acknowledged versions behind", nullptr},
               PlotAxis{0, 1.05, false, "fraction of judged reads", percent});
  // Each k gets 0.7 of its unit, shared by the series side by side.
  const double width = 0.7 / static_cast<double>(std::max<size_t>(1, series.size()));
  for (size_t i = 0; i < series.size(); ++i) {
    PlotPoints bars;  // one rectangle per k, drawn as a closed line
    for (const auto& [k, f] : series[i].fraction) {
      const double x0 = static_cast<double>(k) - 0.35 + width * static_cast<double>(i);
      for (auto p : {std::pair{x0, 0.0}, {x0, f}, {x0 + width, f}, {x0 + width, 0.0}}) bars.push_back(p);
    }
    plot.line(bars, series[i].css_class, series[i].title);
  }
  return plot.render();
}

std::string staleness_section(const std::string& run_dir, std::vector<std::string>* missing) {
  std::string out = "<h2 id=\"staleness\">Staleness</h2>\n";
  StalenessSummary s;
  Status st = read_staleness_file(run_dir, &s);
  std::string source = "staleness.json";
  if (st.code() == Status::Code::kNotFound) {
    // A run directory from before staleness.json: the history has it all.
    source = "the history (no staleness.json)";
    st = measure_staleness(run_dir + "/history.jsonl", StalenessOptions{}, &s);
  }
  if (!st) {
    // A history that cannot be read is listed once, by the history's own
    // section; a malformed staleness.json is listed here.
    if (source == "staleness.json") missing->push_back(st.message());
    return out + "<p class=\"note\">Staleness could not be measured: " + html_escape(st.message()) + "</p>\n";
  }
  out += "<p class=\"caption\">From " + html_escape(source) +
         " (checker/staleness.h, docs/staleness.md): each ok workload read judged against the newest write of its "
         "key acknowledged before it started. " +
         std::to_string(s.reads_ok) + " ok reads, " + std::to_string(s.reads_judged) + " judged, " +
         std::to_string(s.consistent) + " consistent (" + percent(s.p_consistent()) + ")";
  out += s.stale_t_ms_max >= 0 ? "; the latest stale read started " + std::to_string(s.stale_t_ms_max) +
                                     " ms after the write it missed was acknowledged.</p>\n"
                               : "; no stale read.</p>\n";
  if (s.reads_judged == 0) return out + "<p class=\"note\">No read had an acknowledged write before it.</p>\n";
  out += "<h3>P(consistent) versus t</h3>\n" + t_plot(s) + bucket_table(s);
  out += "<h3>Versions behind (k)</h3>\n" + k_plot(s);
  return out;
}

}  // namespace faultline
