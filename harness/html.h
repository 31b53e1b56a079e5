// HTML and hand-drawn SVG for the human-readable reports: report.html of one
// run (harness/report.h) and, meant to be shared, the audit's audit.html.
// Everything renders to strings that a report inlines into one
// self-contained page: no scripts, no fonts, no network references.
//
// SvgPlot draws one x/y panel: axes with ticks and grid, shaded x-bands
// (fault windows), vertical markers (phases), dots and lines. Series are
// styled by CSS class, so the page's stylesheet (html_base_css() plus the
// report's own) picks the colors; titles give hover text.
//
// Thread-safety: plain values; no shared state.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace faultline {

// &, <, >, " and ' escaped: safe in text and in quoted attribute values.
std::string html_escape(std::string_view text);

// A stylesheet for tables, notes and plots that report pages share.
std::string_view html_base_css();

// "<!DOCTYPE html>...<body>": UTF-8, the title, the base CSS and `css`.
std::string html_page_start(std::string_view title, std::string_view css);
// "</body></html>", after `script` (inline, may be empty).
std::string html_page_end(std::string_view script);

struct PlotAxis {
  double min = 0;
  double max = 1;
  bool log = false;  // log10 scale; min and max must be > 0
  std::string label;
  // Tick label for a value; default: %g.
  std::function<std::string(double)> format;
};

using PlotPoints = std::vector<std::pair<double, double>>;

class SvgPlot {
 public:
  // Pixel size of the whole panel, margins included.
  SvgPlot(int width_px, int height_px, PlotAxis x, PlotAxis y);

  // A full-height band from x0 to x1 (clipped to the axis), behind the data.
  void band(double x0, double x1, std::string_view css_class, std::string_view title);
  // A full-height vertical line with a short label at the top.
  void marker(double x, std::string_view css_class, std::string_view label);
  // One dot per point, as a single path (small files for many points).
  // Points outside the axes are clamped to its edge.
  void dots(const PlotPoints& points, std::string_view css_class);
  // A line through the points in order.
  void line(const PlotPoints& points, std::string_view css_class, std::string_view title);
  // The <svg> element.
  std::string render() const;

 private:
  double px(double x) const;
  double py(double y) const;
  std::string axes() const;

  const int width_px_, height_px_;
  const PlotAxis x_, y_;
  std::string bands_;  // drawn first
  int markers_drawn_ = 0;  // alternate label rows, so neighbouring markers stay readable
  std::string data_;
};

}  // namespace faultline
