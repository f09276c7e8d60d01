#include "model/normalization.hpp"

#include <cmath>
#include <string>

#include "common/error.hpp"

namespace kcell::model {

model::Normalization compute_normalization(const data::Split& split, int channels,
                                           size_t pixels_per_channel) {
  if (split.count == 0) fail(Status::invalid_argument, "no images to learn the normalisation from");
  const size_t image = static_cast<size_t>(channels) * pixels_per_channel;
  if (split.images.size() < split.count * image)
    fail(Status::internal, "split holds fewer image bytes than its count says");
  model::Normalization out;
  const double n = static_cast<double>(split.count) * static_cast<double>(pixels_per_channel);
  const ptrdiff_t count = static_cast<ptrdiff_t>(split.count);
  for (int c = 0; c < channels; ++c) {
    uint64_t sum = 0, squares = 0;
    const uint8_t* base = split.images.data() + static_cast<size_t>(c) * pixels_per_channel;
#pragma omp parallel for reduction(+ : sum, squares) schedule(static)
    for (ptrdiff_t i = 0; i < count; ++i) {
      const uint8_t* px = base + static_cast<size_t>(i) * image;
      uint64_t s = 0, q = 0;
      for (size_t j = 0; j < pixels_per_channel; ++j) {
        s += px[j];
        q += static_cast<uint64_t>(px[j]) * px[j];
      }
      sum += s;
      squares += q;
    }
    const double mean = static_cast<double>(sum) / n / 255.0;
    const double var = static_cast<double>(squares) / n / (255.0 * 255.0) - mean * mean;
    double sd = var > 0.0 ? std::sqrt(var) : 0.0;
    if (sd < 1e-6) sd = 1.0;
    out.mean.push_back(static_cast<float>(mean));
    out.std.push_back(static_cast<float>(sd));
  }
  return out;
}

PixelNormalizer::PixelNormalizer(const model::Normalization& normalization, int channels,
                                 size_t pixels_per_channel)
    : channels_(channels), pixels_(pixels_per_channel), table_(static_cast<size_t>(channels)) {
  if (!normalization.empty() && normalization.mean.size() != static_cast<size_t>(channels))
    fail(Status::internal, "normalisation has " + std::to_string(normalization.mean.size()) +
                               " channels for images of " + std::to_string(channels));
  for (int c = 0; c < channels; ++c) {
    const double mean = normalization.empty() ? 0.0 : normalization.mean[c];
    const double sd = normalization.empty() ? 1.0 : normalization.std[c];
    for (int v = 0; v < 256; ++v) table_[c][v] = static_cast<float>((v / 255.0 - mean) / sd);
  }
}

void PixelNormalizer::convert(const uint8_t* image, float* out) const {
  for (int c = 0; c < channels_; ++c) {
    const float* table = table_[c].data();
    const uint8_t* in = image + static_cast<size_t>(c) * pixels_;
    float* o = out + static_cast<size_t>(c) * pixels_;
    for (size_t j = 0; j < pixels_; ++j) o[j] = table[in[j]];
  }
}

}  // namespace kcell::model
