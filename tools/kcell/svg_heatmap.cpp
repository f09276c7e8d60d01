#include "svg_heatmap.hpp"

#include <algorithm>
#include <cmath>

#include "svg.hpp"

namespace kcell_cli::svg {
namespace {

constexpr size_t kNameChars = 34;  // TissueMNIST's longest name

std::string percent(double share) {
  return share >= 0.995 || share == 0 ? fixed(share * 100, 0) + "%" : fixed(share * 100, 1) + "%";
}

// A vertical colour scale from 0% (bottom) to 100% (top) of the true class.
std::string colour_scale(double x, double top, double height) {
  std::string out = "<g class=\"colour-scale\" font-size=\"11\" fill=\"" + std::string(kMuted) +
                    "\"><defs><linearGradient id=\"kcell-heat-ramp\" x1=\"0\" y1=\"1\" "
                    "x2=\"0\" y2=\"0\">";
  for (int i = 0; i <= 8; ++i)
    out += "<stop offset=\"" + coord(i / 8.0) + "\" stop-color=\"" + heat_color(i / 8.0) + "\"/>";
  out += "</linearGradient></defs><rect x=\"" + coord(x) + "\" y=\"" + coord(top) +
         "\" width=\"12\" height=\"" + coord(height) +
         "\" fill=\"url(#kcell-heat-ramp)\" "
         "stroke=\"" +
         kGrid + "\"/>";
  for (int i = 0; i <= 4; ++i) {
    const double y = top + height - height * i / 4.0;
    out += "<text x=\"" + coord(x + 18) + "\" y=\"" + coord(y + 4) + "\">" +
           std::to_string(i * 25) + "%</text>";
  }
  return out + "</g>";
}

}  // namespace

std::string render_confusion_heatmap(const Evaluation& e) {
  const size_t k = e.classes();
  const double cell = std::clamp(460.0 / static_cast<double>(k), 30.0, 64.0);
  size_t longest = 1;
  for (const auto& name : e.class_names)
    longest = std::max(longest, std::min(name.size(), kNameChars));
  const double label_width = 16 + 6.6 * static_cast<double>(longest);
  const double left = 28 + label_width, top = 12;
  const double grid = cell * static_cast<double>(k);
  const double column_label_height = 14 + 0.62 * label_width;  // names turned 40 degrees
  const double width = left + grid + 70, height = top + grid + column_label_height + 30;
  const bool two_lines = cell >= 48;

  std::string out =
      "<svg class=\"chart confusion-heatmap\" xmlns=\"http://www.w3.org/2000/svg\" "
      "width=\"" +
      coord(width) + "\" height=\"" + coord(height) + "\" viewBox=\"0 0 " + coord(width) + " " +
      coord(height) + "\" role=\"img\" aria-label=\"Confusion matrix\" font-size=\"12\">";
  out += "<title>Confusion matrix (rows: true class, columns: predicted class)</title>";
  for (size_t t = 0; t < k; ++t) {
    uint64_t row_total = 0;
    for (size_t p = 0; p < k; ++p) row_total += e.cell(t, p);
    for (size_t p = 0; p < k; ++p) {
      const uint64_t n = e.cell(t, p);
      const double share =
          row_total ? static_cast<double>(n) / static_cast<double>(row_total) : 0.0;
      const double x = left + cell * static_cast<double>(p),
                   y = top + cell * static_cast<double>(t);
      out += "<g><rect class=\"heatmap-cell" + std::string(t == p ? " diagonal" : "") +
             "\" data-true=\"" + std::to_string(t) + "\" data-predicted=\"" + std::to_string(p) +
             "\" data-count=\"" + std::to_string(n) + "\" x=\"" + coord(x) + "\" y=\"" + coord(y) +
             "\" width=\"" + coord(cell) + "\" height=\"" + coord(cell) + "\" fill=\"" +
             heat_color(share) +
             "\" stroke=\"#ffffff\" stroke-width=\"1\">"
             "<title>true " +
             escape(e.class_names[t]) + ", predicted " + escape(e.class_names[p]) + ": " +
             std::to_string(n) + " (" + percent(share) + " of the true class)</title></rect>";
      const std::string ink = heat_needs_light_text(share) ? "#ffffff" : kInk;
      const double cx = x + cell / 2, cy = y + cell / 2;
      const std::string font = cell < 40 ? "10" : "12";
      out += "<text x=\"" + coord(cx) + "\" y=\"" + coord(two_lines ? cy - 2 : cy + 4) +
             "\" text-anchor=\"middle\" font-size=\"" + font + "\" fill=\"" + ink +
             "\" font-weight=\"" + (t == p ? "600" : "400") + "\">" + std::to_string(n) + "</text>";
      if (two_lines)
        out += "<text x=\"" + coord(cx) + "\" y=\"" + coord(cy + 13) +
               "\" text-anchor=\"middle\" font-size=\"10\" fill=\"" + ink +
               "\" fill-opacity=\"0.8\">" + percent(share) + "</text>";
      out += "</g>";
    }
  }
  // Row labels (true class) at the left, column labels (predicted) turned below.
  out += "<g class=\"class-labels\" fill=\"" + std::string(kInk) + "\">";
  for (size_t c = 0; c < k; ++c) {
    const std::string name = escape(shorten(e.class_names[c], kNameChars));
    const double middle = cell * (static_cast<double>(c) + 0.5);
    out += "<text class=\"row-label\" x=\"" + coord(left - 8) + "\" y=\"" +
           coord(top + middle + 4) + "\" text-anchor=\"end\">" + name + "</text>";
    const double x = left + middle, y = top + grid + 12;
    out += "<text class=\"column-label\" transform=\"translate(" + coord(x + 4) + " " + coord(y) +
           ") rotate(-40)\" text-anchor=\"end\">" + name + "</text>";
  }
  out += "</g>";
  out += "<text class=\"axis-label\" transform=\"translate(14 " + coord(top + grid / 2) +
         ") rotate(-90)\" text-anchor=\"middle\" fill=\"" + kInk + "\">true class</text>";
  out += "<text class=\"axis-label\" x=\"" + coord(left + grid / 2) + "\" y=\"" +
         coord(height - 8) + "\" text-anchor=\"middle\" fill=\"" + kInk +
         "\">predicted class</text>";
  out += colour_scale(left + grid + 16, top, grid);
  return out + "</svg>";
}

}  // namespace kcell_cli::svg
