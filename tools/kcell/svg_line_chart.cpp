#include "svg_line_chart.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "svg.hpp"

namespace kcell_cli::svg {
namespace {

struct Frame {
  double left = 60, right = 0, top = 50, bottom = 0;  // plot area in user units
  double x_lo = 1, x_hi = 1, y_lo = 0, y_hi = 1;      // data domain
  double x(double epoch) const { return left + (epoch - x_lo) / (x_hi - x_lo) * (right - left); }
  double y(double v) const { return bottom - (v - y_lo) / (y_hi - y_lo) * (bottom - top); }
};

std::string legend(const LineChart& chart, const Frame& f) {
  std::string out = "<g class=\"legend\" font-size=\"12\" fill=\"" + std::string(kInk) + "\">";
  double x = f.left;
  const double y = 18;
  auto entry = [&](const std::string& name, const std::string& color, bool dashed,
                   const std::string& css) {
    out += "<g class=\"legend-item " + css + "\"><line x1=\"" + coord(x) + "\" y1=\"" + coord(y) +
           "\" x2=\"" + coord(x + 22) + "\" y2=\"" + coord(y) + "\" stroke=\"" + color +
           "\" stroke-width=\"2.5\"" + (dashed ? " stroke-dasharray=\"5 3\"" : "") +
           "/><text x=\"" + coord(x + 28) + "\" y=\"" + coord(y + 4) + "\">" + escape(name) +
           "</text></g>";
    x += 40 + 6.8 * static_cast<double>(name.size());
  };
  for (const auto& s : chart.series) entry(s.name, s.color, s.dashed, "series-" + s.css_class);
  if (chart.marked_epoch >= 0) entry("best epoch", kMuted, true, "best-epoch");
  return out + "</g>";
}

std::string axes(const LineChart& chart, const Frame& f, const Ticks& y_ticks,
                 const Ticks& x_ticks) {
  std::string out = "<g class=\"axes\" font-size=\"11\" fill=\"" + std::string(kMuted) + "\">";
  for (double v : y_ticks.values) {
    const std::string y = coord(f.y(v));
    out += "<line class=\"grid\" x1=\"" + coord(f.left) + "\" y1=\"" + y + "\" x2=\"" +
           coord(f.right) + "\" y2=\"" + y + "\" stroke=\"" + kGrid + "\"/>";
    out += "<text x=\"" + coord(f.left - 8) + "\" y=\"" + coord(f.y(v) + 4) +
           "\" text-anchor=\"end\">" + fixed(v, y_ticks.decimals) + "</text>";
  }
  out += "<line class=\"x-axis\" x1=\"" + coord(f.left) + "\" y1=\"" + coord(f.bottom) +
         "\" x2=\"" + coord(f.right) + "\" y2=\"" + coord(f.bottom) + "\" stroke=\"" + kAxis +
         "\"/>";
  for (double v : x_ticks.values) {
    const std::string x = coord(f.x(v));
    out += "<line x1=\"" + x + "\" y1=\"" + coord(f.bottom) + "\" x2=\"" + x + "\" y2=\"" +
           coord(f.bottom + 5) + "\" stroke=\"" + kAxis + "\"/>";
    out += "<text x=\"" + x + "\" y=\"" + coord(f.bottom + 18) + "\" text-anchor=\"middle\">" +
           fixed(v, 0) + "</text>";
  }
  out += "<text class=\"axis-label\" x=\"" + coord((f.left + f.right) / 2) + "\" y=\"" +
         coord(f.bottom + 36) + "\" text-anchor=\"middle\" fill=\"" + kInk + "\">epoch</text>";
  const double middle = (f.top + f.bottom) / 2;
  out += "<text class=\"axis-label\" transform=\"translate(14 " + coord(middle) +
         ") rotate(-90)\" text-anchor=\"middle\" fill=\"" + kInk + "\">" + escape(chart.y_label) +
         "</text>";
  return out + "</g>";
}

std::string series_path(const ChartSeries& s, const Frame& f) {
  std::string d;
  bool pen_down = false;
  for (size_t i = 0; i < s.values.size(); ++i) {
    if (!std::isfinite(s.values[i])) {
      pen_down = false;
      continue;
    }
    d += (pen_down ? "L" : "M") + coord(f.x(static_cast<double>(i + 1))) + " " +
         coord(f.y(s.values[i]));
    pen_down = true;
  }
  std::string out = "<g class=\"series series-" + s.css_class + "\">";
  if (!d.empty())
    out += "<path class=\"curve\" d=\"" + d + "\" fill=\"none\" stroke=\"" + s.color +
           "\" stroke-width=\"2.2\" stroke-linejoin=\"round\" stroke-linecap=\"round\"" +
           (s.dashed ? " stroke-dasharray=\"6 4\"" : "") + "/>";
  if (s.values.size() <= 40) {
    for (size_t i = 0; i < s.values.size(); ++i) {
      if (!std::isfinite(s.values[i])) continue;
      out += "<circle cx=\"" + coord(f.x(static_cast<double>(i + 1))) + "\" cy=\"" +
             coord(f.y(s.values[i])) + "\" r=\"2.6\" fill=\"" + s.color + "\"/>";
    }
  }
  return out + "</g>";
}

// The dashed line and label of the best epoch (drawn under the curves).
std::string best_marker(const LineChart& chart, const Frame& f) {
  const int best = chart.marked_epoch;
  const double x = f.x(best + 1);
  std::string out = "<g class=\"best-epoch\"><line x1=\"" + coord(x) + "\" y1=\"" +
                    coord(f.top - 2) + "\" x2=\"" + coord(x) + "\" y2=\"" + coord(f.bottom) +
                    "\" stroke=\"" + kMuted + "\" stroke-width=\"1.2\" stroke-dasharray=\"4 4\"/>";
  const bool right_half = x > (f.left + f.right) / 2;
  out += "<text x=\"" + coord(right_half ? x - 6 : x + 6) + "\" y=\"" + coord(f.top - 6) +
         "\" font-size=\"11\" fill=\"" + kMuted + "\" text-anchor=\"" +
         (right_half ? "end" : "start") + "\">best: epoch " + std::to_string(best + 1) + "</text>";
  return out + "</g>";
}

// Ringed dots on every curve at the best epoch (drawn over the curves).
std::string best_points(const LineChart& chart, const Frame& f) {
  const auto best = static_cast<size_t>(chart.marked_epoch);
  std::string out = "<g class=\"best-points\">";
  for (const auto& s : chart.series) {
    if (best >= s.values.size() || !std::isfinite(s.values[best])) continue;
    out += "<circle cx=\"" + coord(f.x(static_cast<double>(best + 1))) + "\" cy=\"" +
           coord(f.y(s.values[best])) + "\" r=\"5\" fill=\"" + s.color +
           "\" stroke=\"#ffffff\" stroke-width=\"2\"/>";
  }
  return out + "</g>";
}

}  // namespace

std::string render_line_chart(const LineChart& chart, int width, int height) {
  size_t epochs = 0;
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const auto& s : chart.series) {
    epochs = std::max(epochs, s.values.size());
    for (double v : s.values)
      if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  }
  Frame f;
  f.right = width - 16.0;
  f.bottom = height - 48.0;
  const int n = static_cast<int>(std::max<size_t>(epochs, 1));
  f.x_lo = n == 1 ? 0.0 : 1.0;
  f.x_hi = n == 1 ? 2.0 : n;
  const Ticks y_ticks = nice_ticks(lo, hi, 6);
  f.y_lo = y_ticks.values.front();
  f.y_hi = y_ticks.values.back();
  const Ticks x_ticks = epoch_ticks(n, 10);

  std::string out =
      "<svg class=\"chart learning-curve\" xmlns=\"http://www.w3.org/2000/svg\" "
      "width=\"" +
      std::to_string(width) + "\" height=\"" + std::to_string(height) + "\" viewBox=\"0 0 " +
      std::to_string(width) + " " + std::to_string(height) + "\" role=\"img\" aria-label=\"" +
      escape(chart.title) + "\">";
  out += "<title>" + escape(chart.title) + "</title>";
  out += axes(chart, f, y_ticks, x_ticks);
  if (chart.marked_epoch >= 0 && chart.marked_epoch < n) out += best_marker(chart, f);
  for (const auto& s : chart.series) out += series_path(s, f);
  if (chart.marked_epoch >= 0 && chart.marked_epoch < n) out += best_points(chart, f);
  out += legend(chart, f);
  return out + "</svg>";
}

}  // namespace kcell_cli::svg
