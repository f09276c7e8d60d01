// Mixup and cutmix: the pixels of mixed batches, cutmix's exact share, reproducibility, and
// the Beta draws they rest on (the mixed loss: test_train_loss.cpp).
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "common/error.hpp"
#include "common/rng.hpp"
#include "train/batch_mixing.hpp"

using kcell::train::BatchMixer;
using kcell::train::MixingOptions;

namespace {

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// n images of C × H × W where every pixel of image i is i + 1.
std::vector<float> numbered_images(int n, size_t image_size) {
  std::vector<float> v(static_cast<size_t>(n) * image_size);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i / image_size + 1);
  return v;
}

}  // namespace

TEST_CASE("mixup blends each image with its partner by the returned share") {
  const int n = 6, c = 2, h = 3, w = 3;
  const size_t size = static_cast<size_t>(c * h * w);
  const std::vector<float> images = numbered_images(n, size);
  const std::vector<int32_t> labels = {0, 1, 2, 0, 1, 2};
  BatchMixer mixer(MixingOptions{0.4f, 0.f}, c, h, w);
  const float* mixed = mixer.mix(images.data(), labels.data(), n, 17);
  const double lambda = mixer.lambda();
  CHECK(lambda > 0.0);
  CHECK(lambda < 1.0);
  for (int i = 0; i < n; ++i) {
    // The partner's label tells its image (label i % 3 of images i and i + 3).
    const float own = static_cast<float>(i + 1);
    const int32_t partner_label = mixer.partner_labels()[i];
    const float v = mixed[static_cast<size_t>(i) * size];
    const float partner = static_cast<float>((v - lambda * own) / (1.0 - lambda));
    const int p = static_cast<int>(std::lround(partner)) - 1;
    REQUIRE(p >= 0);
    REQUIRE(p < n);
    CHECK(labels[static_cast<size_t>(p)] == partner_label);
    for (size_t j = 0; j < size; ++j)
      CHECK(mixed[static_cast<size_t>(i) * size + j] == doctest::Approx(v));
  }
}

TEST_CASE("cutmix pastes one rectangle and its share is exactly the pixels kept") {
  const int n = 8, c = 3, h = 7, w = 5;
  const size_t plane = static_cast<size_t>(h * w), size = c * plane;
  const std::vector<float> images = numbered_images(n, size);
  const std::vector<int32_t> labels = {0, 1, 2, 3, 4, 5, 6, 7};
  BatchMixer mixer(MixingOptions{0.f, 1.f}, c, h, w);
  int checked = 0;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    const float* mixed = mixer.mix(images.data(), labels.data(), n, seed);
    for (int i = 0; i < n; ++i) {
      const int partner = mixer.partner_labels()[i];  // labels are the image numbers
      if (partner == i) continue;
      for (int ch = 0; ch < c; ++ch) {
        size_t kept = 0;
        for (size_t j = 0; j < plane; ++j) {
          const float v =
              mixed[static_cast<size_t>(i) * size + static_cast<size_t>(ch) * plane + j];
          CHECK((v == static_cast<float>(i + 1) || v == static_cast<float>(partner + 1)));
          kept += v == static_cast<float>(i + 1);
        }
        CHECK(static_cast<double>(kept) / static_cast<double>(plane) ==
              doctest::Approx(mixer.lambda()).epsilon(1e-12));
        ++checked;
      }
    }
  }
  CHECK(checked > 0);
  const kcell::train::Box box = kcell::train::cutmix_box(10, 10, 0.75, 3);
  CHECK(box.area() <= 25);  // sides of sqrt(0.25) * 10, clipped
  CHECK(box.y0 >= 0);
  CHECK(box.y1 <= 10);
}

TEST_CASE("the same seed mixes a batch the same way and another seed differently") {
  const int n = 16, c = 1, h = 4, w = 4;
  const std::vector<float> images = numbered_images(n, static_cast<size_t>(c * h * w));
  std::vector<int32_t> labels(n);
  for (int i = 0; i < n; ++i) labels[static_cast<size_t>(i)] = i;
  BatchMixer a(MixingOptions{0.2f, 1.f}, c, h, w), b(MixingOptions{0.2f, 1.f}, c, h, w);
  const float* px = a.mix(images.data(), labels.data(), n, 99);
  const std::vector<float> x(px, px + images.size());
  const float* py = b.mix(images.data(), labels.data(), n, 99);
  const std::vector<float> y(py, py + images.size());
  CHECK(same_bits(x, y));
  CHECK(a.lambda() == b.lambda());
  CHECK(std::memcmp(a.partner_labels(), b.partner_labels(), sizeof(int32_t) * n) == 0);
  const float* pz = b.mix(images.data(), labels.data(), n, 100);
  const std::vector<float> z(pz, pz + images.size());
  CHECK(!same_bits(x, z));
}

TEST_CASE("mixing alphas must be finite and not negative") {
  CHECK_THROWS_AS(BatchMixer(MixingOptions{-0.1f, 0.f}, 1, 2, 2), kcell::Error);
  CHECK_THROWS_AS(BatchMixer(MixingOptions{0.f, std::numeric_limits<float>::quiet_NaN()}, 1, 2, 2),
                  kcell::Error);
  CHECK_THROWS_AS(BatchMixer(MixingOptions{std::numeric_limits<float>::infinity(), 0.f}, 1, 2, 2),
                  kcell::Error);
  CHECK(!MixingOptions{}.enabled());
}

TEST_CASE("Beta draws have the distribution's mean and stay in [0, 1] for small alphas") {
  kcell::SplitMix64 rng(7);
  const int draws = 20000;
  double sum = 0.0;
  for (int i = 0; i < draws; ++i) sum += kcell::beta_draw(rng, 2.0, 5.0);
  CHECK(sum / draws == doctest::Approx(2.0 / 7.0).epsilon(0.02));
  // Beta(0.05, 0.05) piles up near 0 and 1 (a gamma draw of shape 0.05 underflows a
  // double without logarithms).
  int extreme = 0;
  for (int i = 0; i < 2000; ++i) {
    const double v = kcell::beta_draw(rng, 0.05, 0.05);
    REQUIRE(v >= 0.0);
    REQUIRE(v <= 1.0);
    extreme += v < 0.01 || v > 0.99;
  }
  CHECK(extreme > 1000);
}
