#include "svg_calibration.hpp"

#include <algorithm>
#include <cmath>

#include "svg.hpp"

namespace kcell_cli::svg {
namespace {

// A square plot of [x0, 1] × [y0, 1] with grid, ticks and axis labels; plot() maps values.
struct Frame {
  double left = 56, top = 18, size = 260;
  double x0 = 0, y0 = 0;
  double x(double v) const { return left + size * (std::clamp(v, x0, 1.0) - x0) / (1.0 - x0); }
  double y(double v) const {
    return top + size * (1.0 - (std::clamp(v, y0, 1.0) - y0) / (1.0 - y0));
  }
};

std::string open_svg(const std::string& css, const std::string& label, double width,
                     double height) {
  return "<svg class=\"chart " + css + "\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
         coord(width) + "\" height=\"" + coord(height) + "\" viewBox=\"0 0 " + coord(width) + " " +
         coord(height) + "\" role=\"img\" aria-label=\"" + escape(label) +
         "\" font-size=\"12\"><title>" + escape(label) + "</title>";
}

std::string axes(const Frame& f, const std::string& x_label, const std::string& y_label) {
  std::string out = "<g class=\"axes\" font-size=\"11\" fill=\"" + std::string(kMuted) + "\">";
  for (int i = 0; i <= 5; ++i) {
    const double vx = f.x0 + (1.0 - f.x0) * i / 5.0, vy = f.y0 + (1.0 - f.y0) * i / 5.0;
    out += "<line class=\"grid\" x1=\"" + coord(f.x(vx)) + "\" y1=\"" + coord(f.top) + "\" x2=\"" +
           coord(f.x(vx)) + "\" y2=\"" + coord(f.top + f.size) + "\" stroke=\"" + kGrid + "\"/>";
    out += "<line class=\"grid\" x1=\"" + coord(f.left) + "\" y1=\"" + coord(f.y(vy)) + "\" x2=\"" +
           coord(f.left + f.size) + "\" y2=\"" + coord(f.y(vy)) + "\" stroke=\"" + kGrid + "\"/>";
    out += "<text x=\"" + coord(f.x(vx)) + "\" y=\"" + coord(f.top + f.size + 16) +
           "\" text-anchor=\"middle\">" + fixed(vx, 2) + "</text>";
    out += "<text x=\"" + coord(f.left - 6) + "\" y=\"" + coord(f.y(vy) + 4) +
           "\" text-anchor=\"end\">" + fixed(vy, 2) + "</text>";
  }
  out += "<rect x=\"" + coord(f.left) + "\" y=\"" + coord(f.top) + "\" width=\"" + coord(f.size) +
         "\" height=\"" + coord(f.size) + "\" fill=\"none\" stroke=\"" + kAxis + "\"/>";
  out += "<text class=\"axis-label\" x=\"" + coord(f.left + f.size / 2) + "\" y=\"" +
         coord(f.top + f.size + 34) + "\" text-anchor=\"middle\" fill=\"" + kInk + "\">" +
         escape(x_label) + "</text>";
  out += "<text class=\"axis-label\" transform=\"translate(14 " + coord(f.top + f.size / 2) +
         ") rotate(-90)\" text-anchor=\"middle\" fill=\"" + kInk + "\">" + escape(y_label) +
         "</text></g>";
  return out;
}

}  // namespace

std::string render_reliability_diagram(const kcell_calibration& c) {
  Frame f;
  const double counts_top = f.top + f.size + 50, counts_height = 60;
  const double width = f.left + f.size + 20, height = counts_top + counts_height + 30;
  std::string out =
      open_svg("reliability", "Reliability diagram: accuracy against confidence", width, height);
  out += axes(f, "confidence (top-label probability)", "accuracy");
  out += "<line class=\"diagonal\" x1=\"" + coord(f.x(0)) + "\" y1=\"" + coord(f.y(0)) +
         "\" x2=\"" + coord(f.x(1)) + "\" y2=\"" + coord(f.y(1)) + "\" stroke=\"" + kMuted +
         "\" stroke-dasharray=\"4 3\"/>";
  int64_t largest = 1;
  for (const kcell_reliability_bin& b : c.bins) largest = std::max(largest, b.count);
  const double bin_width = f.size / KCELL_CALIBRATION_BINS;
  for (int b = 0; b < KCELL_CALIBRATION_BINS; ++b) {
    const kcell_reliability_bin& bin = c.bins[b];
    const double lo = static_cast<double>(b) / KCELL_CALIBRATION_BINS;
    const double x = f.x(lo) + 1;
    const std::string tip = "confidence " + fixed(lo, 2) + "–" +
                            fixed(lo + 1.0 / KCELL_CALIBRATION_BINS, 2) + ": " +
                            std::to_string(bin.count) + " images" +
                            (bin.count ? ", accuracy " + fixed(bin.accuracy, 3) +
                                             ", mean confidence " + fixed(bin.confidence, 3)
                                       : "");
    if (bin.count > 0) {
      // The bar is the bin's accuracy; the orange tick its mean confidence (the gap is the
      // bin's share of the ECE).
      out += "<rect class=\"bar reliability-bar\" data-bin=\"" + std::to_string(b) + "\" x=\"" +
             coord(x) + "\" y=\"" + coord(f.y(bin.accuracy)) + "\" width=\"" +
             coord(bin_width - 2) + "\" height=\"" + coord(f.y(0) - f.y(bin.accuracy)) +
             "\" fill=\"" + kBlue + "\" fill-opacity=\"0.8\"><title>" + escape(tip) +
             "</title></rect>";
      out += "<line class=\"mean-confidence\" x1=\"" + coord(x) + "\" y1=\"" +
             coord(f.y(bin.confidence)) + "\" x2=\"" + coord(x + bin_width - 2) + "\" y2=\"" +
             coord(f.y(bin.confidence)) + "\" stroke=\"" + kOrange + "\" stroke-width=\"2\"/>";
    }
    const double h = counts_height * static_cast<double>(bin.count) / static_cast<double>(largest);
    out += "<rect class=\"bar count-bar\" x=\"" + coord(x) + "\" y=\"" +
           coord(counts_top + counts_height - h) + "\" width=\"" + coord(bin_width - 2) +
           "\" height=\"" + coord(h) + "\" fill=\"" + kAxis + "\"><title>" + escape(tip) +
           "</title></rect>";
  }
  out += "<text x=\"" + coord(f.left) + "\" y=\"" + coord(counts_top - 6) +
         "\" font-size=\"11\" fill=\"" + kMuted + "\">images per bin (largest " +
         std::to_string(largest) + ")</text>";
  out += "<text x=\"" + coord(f.left + 6) + "\" y=\"" + coord(f.top + 14) +
         "\" font-size=\"11\" fill=\"" + kInk + "\">ECE " + fixed(c.ece, 4) + "</text>";
  return out + "</svg>";
}

std::string render_risk_coverage(const kcell_calibration& c) {
  Frame f;
  double lowest = 1.0;
  for (const kcell_risk_coverage_point& p : c.risk_coverage) lowest = std::min(lowest, p.accuracy);
  f.y0 = std::max(0.0, std::floor(lowest * 10.0 - 1e-9) / 10.0);  // a tenth below the lowest
  if (f.y0 >= 1.0) f.y0 = 0.9;
  const double width = f.left + f.size + 20, height = f.top + f.size + 46;
  std::string out =
      open_svg("risk-coverage", "Accuracy against the share of images answered", width, height);
  out += axes(f, "share of images answered (most confident first)", "accuracy when answering");
  std::string points;
  for (const kcell_risk_coverage_point& p : c.risk_coverage)
    points += coord(f.x(p.coverage)) + "," + coord(f.y(p.accuracy)) + " ";
  out += "<polyline class=\"series risk-coverage-line\" points=\"" + points +
         "\" fill=\"none\" stroke=\"" + kBlue + "\" stroke-width=\"2\"/>";
  for (const kcell_risk_coverage_point& p : c.risk_coverage)
    out += "<circle class=\"point\" cx=\"" + coord(f.x(p.coverage)) + "\" cy=\"" +
           coord(f.y(p.accuracy)) + "\" r=\"3\" fill=\"" + kBlue + "\"><title>" +
           escape("answering " + fixed(100 * p.coverage, 0) + "% (confidence ≥ " +
                  fixed(p.threshold, 3) + "): accuracy " + fixed(p.accuracy, 3)) +
           "</title></circle>";
  return out + "</svg>";
}

}  // namespace kcell_cli::svg
