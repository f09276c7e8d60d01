// 8-bit images as the program passes them to kcell: channel planes one after another
// (C×H×W), and the conversions between grey and RGB.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace kcell_cli {

struct Image8 {
  int channels = 0;  // 1 (grey) or 3 (RGB)
  int height = 0, width = 0;
  std::vector<uint8_t> pixels;  // channels × height × width
};

// Grey from RGB with the ITU-R BT.601 luma weights, rounded exactly as Pillow's
// convert("L") does: (19595 R + 38470 G + 7471 B + 32768) >> 16.
uint8_t luma(uint8_t r, uint8_t g, uint8_t b);

// Writes the `from`-channel planar image at `in` (plane = height × width pixels) as a
// `to`-channel one at `out`: RGB to grey by luma(), grey to RGB by copying the plane.
void convert_channels(const uint8_t* in, int from, uint8_t* out, int to, size_t plane);

}  // namespace kcell_cli
