#include "svg_bar_chart.hpp"

#include <algorithm>
#include <cmath>

#include "svg.hpp"

namespace kcell_cli::svg {

std::string render_recall_bars(const Evaluation& e) {
  constexpr size_t kNameChars = 34;
  const size_t k = e.classes();
  size_t longest = 1;
  for (const auto& name : e.class_names)
    longest = std::max(longest, std::min(name.size(), kNameChars));
  const double row = 30, left = 20 + 6.4 * static_cast<double>(longest), top = 30;
  const double bar_width = 280, right_text = 92;
  const double width = left + bar_width + right_text, bottom = top + row * static_cast<double>(k);
  const double height = bottom + 44;
  auto x_of = [&](double v) { return left + bar_width * std::clamp(v, 0.0, 1.0); };

  std::string out =
      "<svg class=\"chart recall-bars\" xmlns=\"http://www.w3.org/2000/svg\" "
      "width=\"" +
      coord(width) + "\" height=\"" + coord(height) + "\" viewBox=\"0 0 " + coord(width) + " " +
      coord(height) + "\" role=\"img\" aria-label=\"Recall per class\" font-size=\"12\">";
  out += "<title>Recall per class (share of each true class classified correctly)</title>";
  out += "<g class=\"axes\" font-size=\"11\" fill=\"" + std::string(kMuted) + "\">";
  for (int i = 0; i <= 5; ++i) {
    const double v = i / 5.0;
    const std::string x = coord(x_of(v));
    out += "<line class=\"grid\" x1=\"" + x + "\" y1=\"" + coord(top - 4) + "\" x2=\"" + x +
           "\" y2=\"" + coord(bottom) + "\" stroke=\"" + kGrid + "\"/>";
    out += "<text x=\"" + x + "\" y=\"" + coord(bottom + 16) + "\" text-anchor=\"middle\">" +
           fixed(v, 1) + "</text>";
  }
  out += "<line x1=\"" + coord(left) + "\" y1=\"" + coord(bottom) + "\" x2=\"" +
         coord(left + bar_width) + "\" y2=\"" + coord(bottom) + "\" stroke=\"" + kAxis + "\"/>";
  out += "<text class=\"axis-label\" x=\"" + coord(left + bar_width / 2) + "\" y=\"" +
         coord(bottom + 36) + "\" text-anchor=\"middle\" fill=\"" + kInk + "\">recall</text>";
  out += "</g>";

  for (size_t c = 0; c < k; ++c) {
    const kcell_class_metrics& m = e.per_class[c];
    const double y = top + row * static_cast<double>(c);
    const double length = x_of(m.recall) - left;
    out += "<g class=\"bar-row\"><text x=\"" + coord(left - 8) + "\" y=\"" + coord(y + 19) +
           "\" text-anchor=\"end\" fill=\"" + kInk + "\">" +
           escape(shorten(e.class_names[c], kNameChars)) + "</text>";
    out += "<rect class=\"bar recall-bar\" data-class=\"" + std::to_string(c) + "\" x=\"" +
           coord(left) + "\" y=\"" + coord(y + 6) + "\" width=\"" + coord(std::max(length, 0.0)) +
           "\" height=\"" + coord(row - 12) + "\" rx=\"2\" fill=\"" + kBlue + "\"><title>" +
           escape(e.class_names[c]) + ": recall " + fixed(m.recall, 3) + ", precision " +
           fixed(m.precision, 3) + ", " + std::to_string(m.support) + " images</title></rect>";
    out += "<text x=\"" + coord(x_of(m.recall) + 6) + "\" y=\"" + coord(y + 19) + "\" fill=\"" +
           kInk + "\">" + fixed(m.recall, 3) + "<tspan fill=\"" + kMuted +
           "\" font-size=\"10\" dx=\"6\">n=" + std::to_string(m.support) + "</tspan></text></g>";
  }
  const double mean = e.metrics.balanced_accuracy;
  if (std::isfinite(mean)) {
    const std::string x = coord(x_of(mean));
    out += "<g class=\"balanced-accuracy\"><line x1=\"" + x + "\" y1=\"" + coord(top - 6) +
           "\" x2=\"" + x + "\" y2=\"" + coord(bottom) + "\" stroke=\"" + kOrange +
           "\" stroke-width=\"1.5\" stroke-dasharray=\"5 3\"/><text x=\"" + x + "\" y=\"" +
           coord(top - 12) + "\" text-anchor=\"middle\" font-size=\"11\" fill=\"" + kOrange +
           "\">balanced accuracy " + fixed(mean, 3) + "</text></g>";
  }
  return out + "</svg>";
}

}  // namespace kcell_cli::svg
