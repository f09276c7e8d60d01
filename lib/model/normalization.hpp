// Input normalisation: learning the per-channel mean / std from training images, and
// turning uint8 images into normalised floats through a per-channel lookup table.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "data/dataset.hpp"
#include "model/model.hpp"

namespace kcell::model {

// Mean and population standard deviation of each channel over every pixel of `split`, in
// units of pixel / 255. Exact integer sums, so the result is the same for any thread
// count. A channel with std below 1e-6 (a constant channel) gets std 1.
model::Normalization compute_normalization(const data::Split& split, int channels,
                                           size_t pixels_per_channel);

// uint8 C×H×W image → float C×H×W, (pixel / 255 - mean[c]) / std[c]; an empty
// normalisation means mean 0, std 1.
class PixelNormalizer {
 public:
  PixelNormalizer(const model::Normalization& normalization, int channels,
                  size_t pixels_per_channel);
  void convert(const uint8_t* image, float* out) const;

 private:
  int channels_;
  size_t pixels_;
  std::vector<std::array<float, 256>> table_;  // one table per channel
};

}  // namespace kcell::model
