#include "train/batch_mixing.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "common/error.hpp"
#include "common/rng.hpp"

namespace kcell::train {

void check_mixing(const MixingOptions& o) {
  const auto check = [](float alpha, const char* name) {
    if (!(alpha >= 0.f && std::isfinite(alpha)))
      fail(Status::invalid_argument,
           std::string(name) + " must be finite and 0 (off) or more, got " + std::to_string(alpha));
  };
  check(o.mixup_alpha, "mixup alpha");
  check(o.cutmix_alpha, "cutmix alpha");
}

namespace {

Box box_at(int height, int width, double lambda, SplitMix64& rng) {
  const double side = std::sqrt(std::max(0.0, 1.0 - lambda));
  const int cut_h = static_cast<int>(height * side), cut_w = static_cast<int>(width * side);
  const int cy = static_cast<int>(rng.below(static_cast<uint64_t>(height)));
  const int cx = static_cast<int>(rng.below(static_cast<uint64_t>(width)));
  Box b;
  b.y0 = std::clamp(cy - cut_h / 2, 0, height);
  b.y1 = std::clamp(cy + cut_h / 2, 0, height);
  b.x0 = std::clamp(cx - cut_w / 2, 0, width);
  b.x1 = std::clamp(cx + cut_w / 2, 0, width);
  return b;
}

}  // namespace

Box cutmix_box(int height, int width, double lambda, uint64_t seed) {
  SplitMix64 rng(seed);
  return box_at(height, width, lambda, rng);
}

BatchMixer::BatchMixer(const MixingOptions& options, int channels, int height, int width,
                       int label_width)
    : options_(options),
      channels_(channels),
      height_(height),
      width_(width),
      image_size_(static_cast<size_t>(channels) * static_cast<size_t>(height) *
                  static_cast<size_t>(width)),
      label_width_(static_cast<size_t>(label_width)) {
  check_mixing(options);
}

const float* BatchMixer::mix(const float* images, const int32_t* labels, int n, uint64_t seed) {
  const size_t rows = static_cast<size_t>(n);
  if (mixed_.size() < rows * image_size_) mixed_.resize(rows * image_size_);
  partner_labels_.resize(rows * label_width_);
  SplitMix64 rng(seed);
  const bool both = options_.mixup_alpha > 0.f && options_.cutmix_alpha > 0.f;
  const bool cutmix = both ? rng.uniform01() < 0.5 : options_.cutmix_alpha > 0.f;
  const double alpha = cutmix ? options_.cutmix_alpha : options_.mixup_alpha;
  lambda_ = alpha > 0.0 ? beta_draw(rng, alpha, alpha) : 1.0;
  std::vector<size_t>& partner = partner_;
  partner.resize(rows);
  std::iota(partner.begin(), partner.end(), size_t{0});
  shuffle(partner, rng);
  for (size_t i = 0; i < rows; ++i)
    std::copy_n(labels + partner[i] * label_width_, label_width_,
                partner_labels_.data() + i * label_width_);

  std::copy(images, images + rows * image_size_, mixed_.begin());
  if (!cutmix) {
    const float keep = static_cast<float>(lambda_), take = static_cast<float>(1.0 - lambda_);
    for (size_t i = 0; i < rows; ++i) {
      const float* other = images + partner[i] * image_size_;
      float* out = mixed_.data() + i * image_size_;
      for (size_t j = 0; j < image_size_; ++j) out[j] = keep * out[j] + take * other[j];
    }
    return mixed_.data();
  }
  const Box box = box_at(height_, width_, lambda_, rng);
  const size_t plane = static_cast<size_t>(height_) * static_cast<size_t>(width_);
  for (size_t i = 0; i < rows; ++i)
    for (size_t c = 0; c < static_cast<size_t>(channels_); ++c) {
      const float* other = images + partner[i] * image_size_ + c * plane;
      float* out = mixed_.data() + i * image_size_ + c * plane;
      for (int y = box.y0; y < box.y1; ++y) {
        const size_t row = static_cast<size_t>(y) * static_cast<size_t>(width_);
        std::copy(other + row + box.x0, other + row + box.x1, out + row + box.x0);
      }
    }
  lambda_ = 1.0 - static_cast<double>(box.area()) / static_cast<double>(plane);
  return mixed_.data();
}

}  // namespace kcell::train
