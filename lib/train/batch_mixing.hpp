// Mixup (Zhang et al. 2018) and CutMix (Yun et al. 2019) of training batches: each image is
// paired with another of its batch, and the loss learns both labels by their shares
// (infer::SoftmaxCrossEntropy::compute_mixed).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace kcell::train {

struct MixingOptions {
  float mixup_alpha = 0.f;   // > 0: blend whole images, share lambda ~ Beta(alpha, alpha)
  float cutmix_alpha = 0.f;  // > 0: paste a rectangle of the partner image
  bool enabled() const { return mixup_alpha > 0.f || cutmix_alpha > 0.f; }
};

// Throws invalid_argument unless both alphas are finite and 0 or more.
void check_mixing(const MixingOptions& options);

// A rectangle of an image, rows [y0, y1) and columns [x0, x1).
struct Box {
  int y0 = 0, y1 = 0, x0 = 0, x1 = 0;
  int area() const { return (y1 - y0) * (x1 - x0); }
};

// CutMix's rectangle for share `lambda` (as timm draws it): sides sqrt(1 - lambda) of the
// image's, centred on a uniform pixel and clipped to the image, so its area may be smaller.
Box cutmix_box(int height, int width, double lambda, uint64_t seed);

class BatchMixer {
 public:
  // label_width: labels per image (1, or L for a multi-label model, whose label vectors
  // are paired as wholes).
  BatchMixer(const MixingOptions& options, int channels, int height, int width,
             int label_width = 1);

  // Mixes a batch of n images (n × C × H × W floats) with a permutation of itself, all
  // drawn from `seed` alone (so a batch mixes the same way for any thread count): with
  // both alphas set, mixup or cutmix with probability 1/2 each; lambda ~ Beta(alpha,
  // alpha); mixup gives lambda * image + (1 - lambda) * partner, cutmix pastes the
  // partner's cutmix_box and sets lambda to the exact share of pixels kept. Returns the
  // mixed images (valid until the next mix()); lambda() and partner_labels() describe them.
  const float* mix(const float* images, const int32_t* labels, int n, uint64_t seed);

  // The share of each image's own label in the last mix.
  double lambda() const { return lambda_; }
  // The label (label_width labels) of the image each row of the last mix was paired with.
  const int32_t* partner_labels() const { return partner_labels_.data(); }

 private:
  MixingOptions options_;
  int channels_, height_, width_;
  size_t image_size_;
  size_t label_width_;
  double lambda_ = 1.0;
  std::vector<float> mixed_;
  std::vector<int32_t> partner_labels_;
  std::vector<size_t> partner_;  // row each row is paired with
};

}  // namespace kcell::train
