// Helpers for the inference engine tests: models whose batch norms have non-trivial
// statistics (so folding them matters), images, and the training network's inference
// forward as the reference the engine must match.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "common/rng.hpp"
#include "infer/predict.hpp"
#include "model/model.hpp"
#include "model/normalization.hpp"

namespace kcell::test {

// Default-initialised weights (as PyTorch's), batch norms with scales in [0.5, 1.5], shifts
// in [-0.2, 0.2], running means in [-0.3, 0.3] and variances in [0.3, 2], and a
// normalisation that is not the identity.
inline std::unique_ptr<model::Model> model_with_statistics(const std::string& spec, int channels,
                                                           int side, int classes,
                                                           uint64_t seed = 5) {
  auto m = std::make_unique<model::Model>(spec::parse_architecture(spec), channels, side, side,
                                          classes, seed);
  kcell::SplitMix64 rng(seed * 977 + 3);
  auto uniform = [&](double lo, double hi) {
    return static_cast<float>(lo + (hi - lo) * rng.uniform01());
  };
  for (nn::Param* p : m->network().params()) {
    if (p->name.find(".bn") == std::string::npos) continue;
    const bool scale = p->name.size() > 7 && p->name.compare(p->name.size() - 7, 7, ".weight") == 0;
    for (float& v : p->value) v = scale ? uniform(0.5, 1.5) : uniform(-0.2, 0.2);
  }
  for (nn::Buffer* b : m->network().buffers()) {
    const bool mean = b->name.find("running_mean") != std::string::npos;
    for (float& v : b->value) v = mean ? uniform(-0.3, 0.3) : uniform(0.3, 2.0);
  }
  m->network().weights_changed();
  model::Normalization norm;
  for (int c = 0; c < channels; ++c) {
    norm.mean.push_back(0.4f + 0.05f * static_cast<float>(c));
    norm.std.push_back(0.25f + 0.02f * static_cast<float>(c));
  }
  m->set_normalization(norm);
  return m;
}

inline std::vector<uint8_t> random_images(size_t count, size_t image_bytes, uint64_t seed) {
  kcell::SplitMix64 rng(seed);
  std::vector<uint8_t> images(count * image_bytes);
  for (uint8_t& px : images) px = static_cast<uint8_t>(rng.next() & 0xff);
  return images;
}

// N × C × H × W → N × H × W × C.
inline std::vector<uint8_t> to_nhwc(const std::vector<uint8_t>& nchw, size_t count, int channels,
                                    size_t pixels) {
  std::vector<uint8_t> out(nchw.size());
  const size_t c_count = static_cast<size_t>(channels);
  for (size_t n = 0; n < count; ++n)
    for (size_t c = 0; c < c_count; ++c)
      for (size_t p = 0; p < pixels; ++p)
        out[(n * pixels + p) * c_count + c] = nchw[(n * c_count + c) * pixels + p];
  return out;
}

inline std::vector<float> normalized(const model::Model& m, const std::vector<uint8_t>& images) {
  const size_t pixels = static_cast<size_t>(m.height()) * static_cast<size_t>(m.width());
  const model::PixelNormalizer norm(m.normalization(), m.channels(), pixels);
  std::vector<float> out(images.size());
  for (size_t at = 0; at < images.size(); at += m.input_size())
    norm.convert(images.data() + at, out.data() + at);
  return out;
}

// Probabilities of the training network's inference forward (unfolded batch norms), run in
// batches of at most 64 images to keep its memory small.
inline std::vector<float> network_probabilities(model::Model& m, const std::vector<uint8_t>& nchw) {
  const std::vector<float> x = normalized(m, nchw);
  const size_t count = nchw.size() / m.input_size(), k = static_cast<size_t>(m.num_classes());
  std::vector<float> out(count * k);
  for (size_t first = 0; first < count; first += 64) {
    const size_t n = std::min<size_t>(64, count - first);
    const float* logits =
        m.network().forward(x.data() + first * m.input_size(), static_cast<int>(n), false);
    infer::softmax_rows(logits, n, static_cast<int>(k), out.data() + first * k);
  }
  return out;
}

inline std::vector<float> engine_probabilities(model::Model& m, const std::vector<uint8_t>& images,
                                               infer::Layout layout = infer::Layout::nchw) {
  const size_t count = images.size() / m.input_size();
  std::vector<float> out(count * static_cast<size_t>(m.num_classes()), -1.f);
  infer::predict(m, images.data(), count, layout, out.data());
  return out;
}

inline bool same_bits_of(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](float x, float y) {
           return std::memcmp(&x, &y, sizeof x) == 0;
         });
}

inline double max_abs_difference(const std::vector<float>& a, const std::vector<float>& b) {
  REQUIRE(a.size() == b.size());
  double worst = 0.0;
  for (size_t i = 0; i < a.size(); ++i)
    worst = std::max(worst, std::fabs(static_cast<double>(a[i]) - b[i]));
  return worst;
}

// The largest probability of the least confident row: well below 1 means the comparison
// is not between saturated softmaxes.
inline float least_confident(const std::vector<float>& p, int k) {
  float least = 1.f;
  for (size_t i = 0; i < p.size(); i += static_cast<size_t>(k))
    least = std::min(least, *std::max_element(p.begin() + static_cast<ptrdiff_t>(i),
                                              p.begin() + static_cast<ptrdiff_t>(i) + k));
  return least;
}

}  // namespace kcell::test
