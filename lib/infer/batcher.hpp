// Cuts a split into batches in a given order and turns each batch's uint8 images into
// normalised floats in a buffer allocated once (no allocation per batch), optionally
// augmenting each image on the way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "data/augment.hpp"
#include "data/dataset.hpp"
#include "model/normalization.hpp"

namespace kcell::infer {

class Batcher {
 public:
  // `split` must outlive the batcher. The order starts as 0 .. count-1.
  Batcher(const data::Split& split, int channels, int height, int width,
          const model::Normalization& normalization, int batch_size);

  // Visits the split in this order from now on (a permutation of 0 .. count-1, or any
  // list of indices below count, e.g. from a sampler that draws with replacement). The
  // images() pointer may change here, never in load().
  void set_order(std::vector<size_t> order);

  // Augments every image loaded from now on: uint8 → [0, 1], data::augment_image, then
  // the normalisation. Throws invalid_argument for a probability outside [0, 1] or a
  // negative, non-finite or oversized strength. Options with nothing enabled turn
  // augmentation off (loads are then exactly as without it).
  void set_augmentation(const data::AugmentOptions& options);
  // The image at position p of the order is augmented with seed derive_seed(seed, p), so a
  // batch is the same for any thread count. Set it again for each epoch.
  void set_augment_seed(uint64_t seed) { augment_seed_ = seed; }

  // Batches in the current order; the last one may be partial (it is kept).
  size_t num_batches() const;

  // Converts batch b (0-based) into images() / labels(), in parallel over its images, and
  // returns how many images it has.
  int load(size_t b);

  const float* images() const { return images_.data(); }
  // One label per row, or a multi-label split's label_width labels per row.
  const int32_t* labels() const { return labels_.data(); }
  int batch_size() const { return batch_size_; }

 private:
  // Grows the buffers to min(batch size, order length) rows; only set_order can grow them.
  void reserve_rows();
  void load_augmented(size_t first, int n);
  size_t width_of_labels() const { return static_cast<size_t>(split_.label_width); }
  void copy_labels(size_t row, size_t index);  // image index's labels into batch row `row`

  const data::Split& split_;
  int channels_, height_, width_;
  size_t image_size_;
  int batch_size_;
  model::PixelNormalizer normalizer_;
  std::vector<size_t> order_;
  std::vector<float> images_;    // rows × C × H × W
  std::vector<int32_t> labels_;  // rows × label width
  bool augment_ = false;
  data::AugmentOptions augment_options_;
  uint64_t augment_seed_ = 0;
  std::vector<float> mean_, std_;  // per channel, for normalising augmented floats
  std::vector<float> scratch_;     // one image per OpenMP thread
};

}  // namespace kcell::infer
