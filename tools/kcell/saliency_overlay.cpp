#include "saliency_overlay.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace kcell_cli {
namespace {

// A heat scale from dark blue through cyan and yellow to red, at t in [0, 1].
std::array<double, 3> heat(double t) {
  static const double stops[5][3] = {
      {0, 0, 140}, {0, 160, 255}, {80, 230, 120}, {255, 220, 0}, {230, 20, 20}};
  const double x = std::clamp(t, 0.0, 1.0) * 4;
  const int i = std::min(3, static_cast<int>(x));
  const double f = x - i;
  return {stops[i][0] + f * (stops[i + 1][0] - stops[i][0]),
          stops[i][1] + f * (stops[i + 1][1] - stops[i][1]),
          stops[i][2] + f * (stops[i + 1][2] - stops[i][2])};
}

}  // namespace

Image8 saliency_overlay(const uint8_t* pixels, int channels, int height, int width,
                        const float* map, int min_side) {
  const size_t plane = static_cast<size_t>(height) * static_cast<size_t>(width);
  float top = 0;
  for (size_t p = 0; p < plane; ++p) top = std::max(top, map[p]);
  const int scale = std::max(1, (min_side + height - 1) / height);
  const int gap = scale;  // one source pixel of white between the halves
  Image8 out;
  out.channels = 3;
  out.height = height * scale;
  out.width = 2 * width * scale + gap;
  const size_t out_plane = static_cast<size_t>(out.height) * static_cast<size_t>(out.width);
  out.pixels.assign(3 * out_plane, 255);
  for (int y = 0; y < out.height; ++y)
    for (int x = 0; x < width * scale; ++x) {
      const size_t p = static_cast<size_t>(y / scale) * static_cast<size_t>(width) +
                       static_cast<size_t>(x / scale);
      double rgb[3];
      for (int c = 0; c < 3; ++c)
        rgb[c] = pixels[static_cast<size_t>(channels == 3 ? c : 0) * plane + p];
      const double grey = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2];
      const double t = top > 0 ? map[p] / top : 0.0;
      const std::array<double, 3> h = heat(t);
      const double a = 0.65 * std::sqrt(t);  // weak evidence stays faint
      for (int c = 0; c < 3; ++c) {
        const size_t row = static_cast<size_t>(c) * out_plane +
                           static_cast<size_t>(y) * static_cast<size_t>(out.width);
        out.pixels[row + static_cast<size_t>(x)] = static_cast<uint8_t>(std::lround(rgb[c]));
        const double blended = (1 - a) * grey + a * h[static_cast<size_t>(c)];
        out.pixels[row + static_cast<size_t>(width * scale + gap + x)] =
            static_cast<uint8_t>(std::lround(std::clamp(blended, 0.0, 255.0)));
      }
    }
  return out;
}

}  // namespace kcell_cli
