#include "harness/html.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/assert.h"

namespace faultline {

namespace {

constexpr double kMarginLeftPx = 64, kMarginRightPx = 14, kMarginTopPx = 16, kMarginBottomPx = 38;
// Enough ticks to read values off, few enough to keep labels apart.
constexpr int kLinearTicksTarget = 8;
constexpr int kTicksMax = 40;

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string default_format(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// A 1, 2 or 5 times a power of ten near span / target.
double nice_step(double span, int target) {
  const double raw = span / target;
  const double p = std::pow(10, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0}) {
    if (m * p >= raw) return m * p;
  }
  return 10 * p;
}

std::vector<double> ticks(const PlotAxis& a) {
  std::vector<double> out;
  if (a.log) {
    for (double e = std::ceil(std::log10(a.min)); e <= std::floor(std::log10(a.max)) && out.size() < kTicksMax; ++e) {
      out.push_back(std::pow(10, e));
    }
    return out;
  }
  const double step = nice_step(a.max - a.min, kLinearTicksTarget);
  for (double t = std::ceil(a.min / step) * step; t <= a.max + step * 1e-9 && out.size() < kTicksMax; t += step) {
    out.push_back(std::abs(t) < step * 1e-9 ? 0 : t);
  }
  return out;
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string_view html_base_css() {
  return R"css(
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px; color: #1d2330; max-width: 1240px; }
h1 { font-size: 22px; margin: 0 0 8px; } h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid #d7dbe3; }
h3 { font-size: 15px; margin: 16px 0 6px; }
table { border-collapse: collapse; margin: 6px 0; }
th, td { border: 1px solid #d7dbe3; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f1f3f7; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
code, .mono { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12.5px; }
.note { background: #fff6db; border: 1px solid #e8d38a; padding: 6px 10px; margin: 8px 0; }
.caption { color: #566074; font-size: 12.5px; margin: 2px 0 10px; }
svg.plot { display: block; background: #fff; }
svg.plot text { font: 11px system-ui, sans-serif; fill: #39414f; }
svg.plot .grid { stroke: #e6e9ef; stroke-width: 1; }
svg.plot .axis { stroke: #8b93a3; stroke-width: 1; fill: none; }
)css";
}

std::string html_page_start(std::string_view title, std::string_view css) {
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + html_escape(title) +
         "</title>\n<style>" + std::string(html_base_css()) + std::string(css) + "</style>\n</head>\n<body>\n";
}

std::string html_page_end(std::string_view script) {
  std::string out;
  if (!script.empty()) out += "<script>\n" + std::string(script) + "\n</script>\n";
  return out + "</body>\n</html>\n";
}

SvgPlot::SvgPlot(int width_px, int height_px, PlotAxis x, PlotAxis y)
    : width_px_(width_px), height_px_(height_px), x_(std::move(x)), y_(std::move(y)) {
  FL_ASSERT(width_px_ > kMarginLeftPx + kMarginRightPx);
  FL_ASSERT(height_px_ > kMarginTopPx + kMarginBottomPx);
  FL_ASSERT(x_.max > x_.min);
  FL_ASSERT(y_.max > y_.min);
  FL_ASSERT(!x_.log || x_.min > 0);
  FL_ASSERT(!y_.log || y_.min > 0);
}

double SvgPlot::px(double x) const {
  const double lo = x_.log ? std::log10(x_.min) : x_.min, hi = x_.log ? std::log10(x_.max) : x_.max;
  double v = x_.log ? std::log10(std::max(x, x_.min)) : x;
  v = std::clamp((v - lo) / (hi - lo), 0.0, 1.0);
  return kMarginLeftPx + v * (width_px_ - kMarginLeftPx - kMarginRightPx);
}

double SvgPlot::py(double y) const {
  const double lo = y_.log ? std::log10(y_.min) : y_.min, hi = y_.log ? std::log10(y_.max) : y_.max;
  double v = y_.log ? std::log10(std::max(y, y_.min)) : y;
  v = std::clamp((v - lo) / (hi - lo), 0.0, 1.0);
  return height_px_ - kMarginBottomPx - v * (height_px_ - kMarginTopPx - kMarginBottomPx);
}

void SvgPlot::band(double x0, double x1, std::string_view css_class, std::string_view title) {
  const double a = px(x0), b = px(std::max(x0, x1));
  bands_ += "<rect class=\"" + html_escape(css_class) + "\" x=\"" + num(a) + "\" y=\"" + num(kMarginTopPx) +
            "\" width=\"" + num(std::max(b - a, 1.0)) + "\" height=\"" +
            num(height_px_ - kMarginTopPx - kMarginBottomPx) + "\"><title>" + html_escape(title) +
            "</title></rect>\n";
}

void SvgPlot::marker(double x, std::string_view css_class, std::string_view label) {
  const double a = px(x);
  bands_ += "<line class=\"" + html_escape(css_class) + "\" x1=\"" + num(a) + "\" x2=\"" + num(a) + "\" y1=\"" +
            num(kMarginTopPx) + "\" y2=\"" + num(height_px_ - kMarginBottomPx) + "\"><title>" + html_escape(label) +
            "</title></line>";
  // Labels near the right edge go to the left of their line.
  const bool right_half = a > width_px_ / 2.0;
  // Every other label goes just inside the plot: markers close together
  // (workload-end, then final-reads) would otherwise print over each other.
  const double label_y = markers_drawn_++ % 2 == 0 ? kMarginTopPx - 4 : kMarginTopPx + 11;
  bands_ += "<text x=\"" + num(right_half ? a - 3 : a + 3) + "\" y=\"" + num(label_y) + "\"" +
            (right_half ? " text-anchor=\"end\"" : "") + ">" + html_escape(label) + "</text>\n";
}

void SvgPlot::dots(const PlotPoints& points, std::string_view css_class) {
  if (points.empty()) return;
  std::string d;
  d.reserve(points.size() * 14);
  for (const auto& [x, y] : points) d += "M" + num(px(x)) + " " + num(py(y)) + "h0";
  data_ += "<path class=\"" + html_escape(css_class) + "\" d=\"" + d + "\"/>\n";
}

void SvgPlot::line(const PlotPoints& points, std::string_view css_class, std::string_view title) {
  if (points.empty()) return;
  std::string d;
  for (const auto& [x, y] : points) d += (d.empty() ? "M" : "L") + num(px(x)) + " " + num(py(y));
  data_ += "<path class=\"" + html_escape(css_class) + "\" d=\"" + d + "\"><title>" + html_escape(title) +
           "</title></path>\n";
}

std::string SvgPlot::axes() const {
  const auto fx = x_.format ? x_.format : default_format;
  const auto fy = y_.format ? y_.format : default_format;
  const double left = kMarginLeftPx, right = width_px_ - kMarginRightPx;
  const double top = kMarginTopPx, bottom = height_px_ - kMarginBottomPx;
  std::string s;
  for (double t : ticks(x_)) {
    s += "<line class=\"grid\" x1=\"" + num(px(t)) + "\" x2=\"" + num(px(t)) + "\" y1=\"" + num(top) + "\" y2=\"" +
         num(bottom) + "\"/><text x=\"" + num(px(t)) + "\" y=\"" + num(bottom + 14) + "\" text-anchor=\"middle\">" +
         html_escape(fx(t)) + "</text>\n";
  }
  for (double t : ticks(y_)) {
    s += "<line class=\"grid\" x1=\"" + num(left) + "\" x2=\"" + num(right) + "\" y1=\"" + num(py(t)) + "\" y2=\"" +
         num(py(t)) + "\"/><text x=\"" + num(left - 5) + "\" y=\"" + num(py(t) + 4) + "\" text-anchor=\"end\">" +
         html_escape(fy(t)) + "</text>\n";
  }
  s += "<rect class=\"axis\" x=\"" + num(left) + "\" y=\"" + num(top) + "\" width=\"" + num(right - left) +
       "\" height=\"" + num(bottom - top) + "\"/>\n";
  s += "<text x=\"" + num((left + right) / 2) + "\" y=\"" + num(height_px_ - 6.0) + "\" text-anchor=\"middle\">" +
       html_escape(x_.label) + "</text>\n";
  s += "<text transform=\"translate(13," + num((top + bottom) / 2) + ") rotate(-90)\" text-anchor=\"middle\">" +
       html_escape(y_.label) + "</text>\n";
  return s;
}

std::string SvgPlot::render() const {
  const std::string w = std::to_string(width_px_), h = std::to_string(height_px_);
  return "<svg class=\"plot\" width=\"" + w + "\" height=\"" + h +
         "\" viewBox=\"0 0 " + w + " " + h + "\">\n" + bands_ + axes() + data_ + "</svg>\n";
}

}  // namespace faultline
