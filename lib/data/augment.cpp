#include "data/augment.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "common/rng.hpp"

namespace kcell::data {
namespace {

// Uniform float in [0, 1) from 24 random bits.
float uniform01(kcell::SplitMix64& rng) {
  return static_cast<float>(rng.next() >> 40) * (1.0f / 16777216.0f);
}

float uniform(kcell::SplitMix64& rng, float lo, float hi) {
  return lo + (hi - lo) * uniform01(rng);
}

bool chance(kcell::SplitMix64& rng, float p) { return p > 0.f && uniform01(rng) < p; }

void clamp01(float* image, size_t n) {
  for (size_t i = 0; i < n; ++i) image[i] = std::min(1.0f, std::max(0.0f, image[i]));
}

}  // namespace

bool AugmentOptions::any() const {
  return hflip > 0 || vflip > 0 || rot90 > 0 || (rotate > 0 && rotate_degrees > 0) || shift > 0 ||
         brightness > 0 || contrast > 0 || erase > 0;
}

void flip_horizontal(float* image, int c, int h, int w) {
  for (int row = 0; row < c * h; ++row) std::reverse(image + row * w, image + (row + 1) * w);
}

void flip_vertical(float* image, int c, int h, int w) {
  for (int ch = 0; ch < c; ++ch) {
    float* plane = image + static_cast<size_t>(ch) * h * w;
    for (int y = 0; y < h / 2; ++y)
      std::swap_ranges(plane + y * w, plane + (y + 1) * w, plane + (h - 1 - y) * w);
  }
}

void rotate_quarter_turns(float* image, int c, int h, int w, int turns, float* scratch) {
  turns = ((turns % 4) + 4) % 4;
  if (turns == 0) return;
  if (turns == 2) {
    flip_horizontal(image, c, h, w);
    flip_vertical(image, c, h, w);
    return;
  }
  if (h != w) return;  // a quarter turn would change the shape: callers only ask for square
  const size_t plane = static_cast<size_t>(h) * w;
  std::memcpy(scratch, image, sizeof(float) * plane * c);
  for (int ch = 0; ch < c; ++ch) {
    const float* src = scratch + ch * plane;
    float* dst = image + ch * plane;
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        // Counter-clockwise: dst(y, x) = src(x, w-1-y); clockwise is its inverse.
        dst[y * w + x] = turns == 1 ? src[x * w + (w - 1 - y)] : src[(h - 1 - x) * w + y];
  }
}

void rotate_degrees(float* image, int c, int h, int w, float degrees, float* scratch) {
  const size_t plane = static_cast<size_t>(h) * w;
  std::memcpy(scratch, image, sizeof(float) * plane * c);
  const float rad = degrees * 3.14159265358979f / 180.f;
  const float cs = std::cos(rad), sn = std::sin(rad);
  const float cx = (w - 1) * 0.5f, cy = (h - 1) * 0.5f;
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      // Inverse mapping: where in the source does this output pixel come from.
      const float sx = cs * (x - cx) + sn * (y - cy) + cx;
      const float sy = -sn * (x - cx) + cs * (y - cy) + cy;
      const int x0 = static_cast<int>(std::floor(sx)), y0 = static_cast<int>(std::floor(sy));
      const float fx = sx - x0, fy = sy - y0;
      for (int ch = 0; ch < c; ++ch) {
        const float* src = scratch + ch * plane;
        auto at = [&](int yy, int xx) {
          return (xx < 0 || yy < 0 || xx >= w || yy >= h) ? 0.f : src[yy * w + xx];
        };
        image[ch * plane + y * w + x] = (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x0 + 1)) +
                                        fy * ((1 - fx) * at(y0 + 1, x0) + fx * at(y0 + 1, x0 + 1));
      }
    }
  }
}

void shift_image(float* image, int c, int h, int w, int dx, int dy, float* scratch) {
  const size_t plane = static_cast<size_t>(h) * w;
  std::memcpy(scratch, image, sizeof(float) * plane * c);
  for (int ch = 0; ch < c; ++ch)
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        const int sx = x - dx, sy = y - dy;
        image[ch * plane + y * w + x] =
            (sx < 0 || sy < 0 || sx >= w || sy >= h) ? 0.f : scratch[ch * plane + sy * w + sx];
      }
}

void erase_rect(float* image, int c, int h, int w, int x0, int y0, int rw, int rh) {
  const int x1 = std::min(w, x0 + rw), y1 = std::min(h, y0 + rh);
  for (int ch = 0; ch < c; ++ch)
    for (int y = std::max(0, y0); y < y1; ++y)
      for (int x = std::max(0, x0); x < x1; ++x)
        image[(static_cast<size_t>(ch) * h + y) * w + x] = 0.f;
}

void augment_image(float* image, int c, int h, int w, const AugmentOptions& o, uint64_t seed,
                   float* scratch) {
  kcell::SplitMix64 rng(seed);
  // Every draw is made whether or not it is used, so one option does not shift the
  // random stream of the others.
  const bool do_h = chance(rng, o.hflip);
  const bool do_v = chance(rng, o.vflip);
  const bool do_q = chance(rng, o.rot90);
  const int turns = 1 + static_cast<int>(rng.below(3));
  const bool do_r = chance(rng, o.rotate);
  const float angle = uniform(rng, -o.rotate_degrees, o.rotate_degrees);
  const int dx = o.shift > 0 ? static_cast<int>(rng.below(2 * o.shift + 1)) - o.shift : 0;
  const int dy = o.shift > 0 ? static_cast<int>(rng.below(2 * o.shift + 1)) - o.shift : 0;
  const float bright = uniform(rng, -o.brightness, o.brightness);
  const float contrast = 1.f + uniform(rng, -o.contrast, o.contrast);
  const bool do_e = chance(rng, o.erase);
  const float area = uniform(rng, 0.02f, std::max(0.02f, o.erase_max_area)) * h * w;
  const float aspect = std::exp(uniform(rng, std::log(0.3f), std::log(3.3f)));
  const float ex = uniform01(rng), ey = uniform01(rng);

  if (do_h) flip_horizontal(image, c, h, w);
  if (do_v) flip_vertical(image, c, h, w);
  if (do_q) rotate_quarter_turns(image, c, h, w, h == w ? turns : 2, scratch);
  if (do_r && o.rotate_degrees > 0) rotate_degrees(image, c, h, w, angle, scratch);
  if (dx != 0 || dy != 0) shift_image(image, c, h, w, dx, dy, scratch);
  const size_t n = static_cast<size_t>(c) * h * w;
  if (o.brightness > 0 || o.contrast > 0) {
    double mean = 0;
    for (size_t i = 0; i < n; ++i) mean += image[i];
    const float m = static_cast<float>(mean / static_cast<double>(n));
    for (size_t i = 0; i < n; ++i) image[i] = (image[i] - m) * contrast + m + bright;
    clamp01(image, n);
  }
  if (do_e) {
    const int rh = std::clamp(static_cast<int>(std::sqrt(area * aspect)), 1, h);
    const int rw = std::clamp(static_cast<int>(std::sqrt(area / aspect)), 1, w);
    erase_rect(image, c, h, w, static_cast<int>(ex * (w - rw + 1)),
               static_cast<int>(ey * (h - rh + 1)), rw, rh);
  }
}

}  // namespace kcell::data
