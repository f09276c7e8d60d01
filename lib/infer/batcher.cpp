#include "infer/batcher.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "common/error.hpp"
#include "common/rng.hpp"

namespace kcell::infer {

Batcher::Batcher(const data::Split& split, int channels, int height, int width,
                 const model::Normalization& normalization, int batch_size)
    : split_(split),
      channels_(channels),
      height_(height),
      width_(width),
      image_size_(static_cast<size_t>(channels) * static_cast<size_t>(height) *
                  static_cast<size_t>(width)),
      batch_size_(batch_size),
      normalizer_(normalization, channels,
                  static_cast<size_t>(height) * static_cast<size_t>(width)) {
  if (batch_size < 1)
    fail(Status::invalid_argument,
         "batch size must be 1 or more, got " + std::to_string(batch_size));
  if (split.images.size() < split.count * image_size_ ||
      split.labels.size() < split.count * static_cast<size_t>(split.label_width))
    fail(Status::internal, "split holds fewer images or labels than its count says");
  for (int c = 0; c < channels; ++c) {
    mean_.push_back(normalization.empty() ? 0.f : normalization.mean[static_cast<size_t>(c)]);
    std_.push_back(normalization.empty() ? 1.f : normalization.std[static_cast<size_t>(c)]);
  }
  order_.resize(split.count);
  std::iota(order_.begin(), order_.end(), size_t{0});
  reserve_rows();
}

void Batcher::reserve_rows() {
  // A batch size beyond the order's length (say, INT_MAX to mean "everything") must not
  // allocate more than one batch of the images really there.
  const size_t rows = std::min(order_.size(), static_cast<size_t>(batch_size_));
  if (labels_.size() >= rows * width_of_labels()) return;
  images_.resize(rows * image_size_);
  labels_.resize(rows * width_of_labels());
}

void Batcher::set_order(std::vector<size_t> order) {
  for (size_t i : order)
    if (i >= split_.count)
      fail(Status::internal,
           "batch order names image " + std::to_string(i) + " of " + std::to_string(split_.count));
  order_ = std::move(order);
  reserve_rows();
}

namespace {

void check_probability(float p, const char* name) {
  if (!(p >= 0.f && p <= 1.f))
    fail(Status::invalid_argument, std::string("augmentation ") + name +
                                       " probability must be in [0, 1], got " + std::to_string(p));
}

void check_strength(float v, float limit, const char* name) {
  if (!(v >= 0.f && v <= limit))
    fail(Status::invalid_argument, std::string("augmentation ") + name + " must be in [0, " +
                                       std::to_string(limit) + "], got " + std::to_string(v));
}

}  // namespace

void Batcher::set_augmentation(const data::AugmentOptions& o) {
  check_probability(o.hflip, "hflip");
  check_probability(o.vflip, "vflip");
  check_probability(o.rot90, "rot90");
  check_probability(o.rotate, "rotate");
  check_probability(o.erase, "erase");
  check_strength(o.rotate_degrees, 180.f, "rotate_degrees");
  check_strength(o.brightness, 1.f, "brightness");
  check_strength(o.contrast, 1.f, "contrast");
  if (o.erase > 0.f && !(o.erase_max_area > 0.f && o.erase_max_area <= 1.f))
    fail(Status::invalid_argument,
         "augmentation erase_max_area must be in (0, 1], got " + std::to_string(o.erase_max_area));
  if (o.shift < 0 || o.shift >= std::max(height_, width_))
    fail(Status::invalid_argument,
         "augmentation shift must be 0 or more and below the image "
         "side, got " +
             std::to_string(o.shift));
  augment_options_ = o;
  augment_ = o.any();
}

size_t Batcher::num_batches() const {
  const size_t b = static_cast<size_t>(batch_size_);
  return (order_.size() + b - 1) / b;
}

void Batcher::copy_labels(size_t row, size_t index) {
  const size_t w = width_of_labels();
  std::copy_n(split_.labels.data() + index * w, w, labels_.data() + row * w);
}

int Batcher::load(size_t b) {
  const size_t first = b * static_cast<size_t>(batch_size_);
  if (first >= order_.size())
    fail(Status::internal, "batch " + std::to_string(b) + " is past the end of the split");
  const size_t left = order_.size() - first;
  const int n = static_cast<int>(left < static_cast<size_t>(batch_size_) ? left : batch_size_);
  if (augment_) {
    load_augmented(first, n);
    return n;
  }
  const uint8_t* pixels = split_.images.data();
#pragma omp parallel for schedule(static)
  for (int i = 0; i < n; ++i) {
    const size_t index = order_[first + static_cast<size_t>(i)];
    normalizer_.convert(pixels + index * image_size_,
                        images_.data() + static_cast<size_t>(i) * image_size_);
    copy_labels(static_cast<size_t>(i), index);
  }
  return n;
}

void Batcher::load_augmented(size_t first, int n) {
  // Grows only when the thread count does; never per image or per batch otherwise.
  const size_t threads = static_cast<size_t>(std::max(1, omp_get_max_threads()));
  if (scratch_.size() < threads * image_size_) scratch_.resize(threads * image_size_);
  const uint8_t* pixels = split_.images.data();
  const size_t plane = static_cast<size_t>(height_) * static_cast<size_t>(width_);
#pragma omp parallel for schedule(static)
  for (int i = 0; i < n; ++i) {
    const size_t position = first + static_cast<size_t>(i);
    const size_t index = order_[position];
    const uint8_t* in = pixels + index * image_size_;
    float* out = images_.data() + static_cast<size_t>(i) * image_size_;
    for (size_t j = 0; j < image_size_; ++j) out[j] = static_cast<float>(in[j]) / 255.f;
    float* scratch = scratch_.data() + static_cast<size_t>(omp_get_thread_num()) * image_size_;
    data::augment_image(out, channels_, height_, width_, augment_options_,
                        derive_seed(augment_seed_, position), scratch);
    for (int c = 0; c < channels_; ++c) {
      float* o = out + static_cast<size_t>(c) * plane;
      const float mean = mean_[static_cast<size_t>(c)], sd = std_[static_cast<size_t>(c)];
      for (size_t j = 0; j < plane; ++j) o[j] = (o[j] - mean) / sd;
    }
    copy_labels(static_cast<size_t>(i), index);
  }
}

}  // namespace kcell::infer
