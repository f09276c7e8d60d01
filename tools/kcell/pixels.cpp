#include "pixels.hpp"

#include <algorithm>

namespace kcell_cli {

uint8_t luma(uint8_t r, uint8_t g, uint8_t b) {
  return static_cast<uint8_t>((19595u * r + 38470u * g + 7471u * b + 0x8000u) >> 16);
}

void convert_channels(const uint8_t* in, int from, uint8_t* out, int to, size_t plane) {
  if (from == to) {
    std::copy(in, in + plane * static_cast<size_t>(from), out);
  } else if (from == 3 && to == 1) {
    for (size_t i = 0; i < plane; ++i) out[i] = luma(in[i], in[plane + i], in[2 * plane + i]);
  } else {  // 1 -> 3
    for (int c = 0; c < to; ++c) std::copy(in, in + plane, out + plane * static_cast<size_t>(c));
  }
}

}  // namespace kcell_cli
