#include "svg.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace kcell_cli::svg {

std::string escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string coord(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", value);
  std::string s = text;
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s == "-0" ? "0" : s;
}

std::string fixed(double value, int decimals) {
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

namespace {

// 1, 2 or 5 × 10^n nearest to (round) or at least (!round) `x`.
double nice_number(double x, bool round) {
  const double exponent = std::floor(std::log10(x));
  const double fraction = x / std::pow(10.0, exponent);
  double nice;
  if (round)
    nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10;
  else
    nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  return nice * std::pow(10.0, exponent);
}

}  // namespace

Ticks nice_ticks(double lo, double hi, int target) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) lo = 0, hi = 1;
  if (hi < lo) std::swap(lo, hi);
  if (hi - lo < 1e-12) {
    const double pad = std::max(std::fabs(lo) * 0.1, 0.05);
    lo -= pad;
    hi += pad;
  }
  const double step = nice_number(nice_number(hi - lo, false) / std::max(1, target - 1), true);
  Ticks ticks;
  const double first = std::floor(lo / step + 1e-9) * step;
  const double last = std::ceil(hi / step - 1e-9) * step;
  for (double v = first; v <= last + step * 0.5; v += step)
    ticks.values.push_back(std::fabs(v) < step * 1e-9 ? 0.0 : v);
  ticks.decimals = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
  return ticks;
}

Ticks epoch_ticks(int n, int target) {
  Ticks ticks;
  const int step = std::max(
      1, static_cast<int>(nice_number(std::max(1.0, static_cast<double>(n) / target), true)));
  ticks.values.push_back(1);
  for (int v = step; v <= n; v += step)
    if (v > 1) ticks.values.push_back(v);
  return ticks;
}

std::string heat_color(double t) {
  // A ramp through ColorBrewer's "Blues" anchors, interpolated linearly.
  static const int anchors[][3] = {{247, 251, 255}, {222, 235, 247}, {198, 219, 239},
                                   {158, 202, 225}, {107, 174, 214}, {66, 146, 198},
                                   {33, 113, 181},  {8, 81, 156},    {8, 48, 107}};
  const int last = static_cast<int>(sizeof anchors / sizeof anchors[0]) - 1;
  const double x = std::clamp(std::isfinite(t) ? t : 0.0, 0.0, 1.0) * last;
  const int i = std::min(static_cast<int>(x), last - 1);
  const double f = x - i;
  char text[8];
  int rgb[3];
  for (int c = 0; c < 3; ++c)
    rgb[c] = static_cast<int>(std::lround(anchors[i][c] + f * (anchors[i + 1][c] - anchors[i][c])));
  std::snprintf(text, sizeof text, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
  return text;
}

bool heat_needs_light_text(double t) { return std::isfinite(t) && t > 0.5; }

std::string shorten(const std::string& text, size_t max_chars) {
  size_t chars = 0, i = 0, cut = std::string::npos;
  for (; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;  // continuation
    if (chars == max_chars - 1) cut = i;
    ++chars;
  }
  if (chars <= max_chars || cut == std::string::npos) return text;
  return text.substr(0, cut) + "…";
}

}  // namespace kcell_cli::svg
