// Augmentation inside the batcher: only when asked, reproducible per seed whatever the
// thread count, applied before normalisation, labels untouched.
#include <doctest/doctest.h>
#include <omp.h>

#include <cstring>
#include <vector>

#include "common/error.hpp"
#include "common/rng.hpp"
#include "data/augment.hpp"
#include "infer/batcher.hpp"

using kcell::data::AugmentOptions;
using kcell::data::Split;
using kcell::infer::Batcher;
using kcell::model::Normalization;

namespace {

// n random 1×6×6 images, labels index % 4.
Split random_split(size_t n, uint64_t seed) {
  Split s;
  s.count = n;
  kcell::SplitMix64 rng(seed);
  for (size_t i = 0; i < n; ++i) {
    for (int p = 0; p < 36; ++p) s.images.push_back(static_cast<uint8_t>(rng.below(256)));
    s.labels.push_back(static_cast<int32_t>(i % 4));
  }
  return s;
}

const Normalization norm{{0.4f}, {0.25f}};

AugmentOptions strong() {
  AugmentOptions o;
  o.hflip = o.vflip = o.rot90 = 0.5f;
  o.rotate = 0.5f;
  o.rotate_degrees = 15.f;
  o.shift = 1;
  o.brightness = o.contrast = 0.2f;
  o.erase = 0.5f;
  return o;
}

// Batch b of a batcher over `s` with order 0..n-1, batch size 8, as a vector.
std::vector<float> batch(const Split& s, const AugmentOptions* options, uint64_t seed, size_t b,
                         int threads) {
  const int before = omp_get_max_threads();
  omp_set_num_threads(threads);
  Batcher batcher(s, 1, 6, 6, norm, 8);
  if (options) batcher.set_augmentation(*options);
  batcher.set_augment_seed(seed);
  const int n = batcher.load(b);
  omp_set_num_threads(before);
  return std::vector<float>(batcher.images(), batcher.images() + static_cast<size_t>(n) * 36);
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace

TEST_CASE("augmented batches are bit-identical for the same seed at any thread count") {
  const Split s = random_split(20, 1);
  const AugmentOptions o = strong();
  const auto a = batch(s, &o, 99, 1, 1);
  CHECK(same_bits(a, batch(s, &o, 99, 1, 1)));
  CHECK(same_bits(a, batch(s, &o, 99, 1, 2)));
  CHECK_FALSE(same_bits(a, batch(s, &o, 100, 1, 1)));      // another seed, another draw
  CHECK_FALSE(same_bits(a, batch(s, nullptr, 99, 1, 1)));  // it really augments
}

TEST_CASE("augmentation off leaves batches exactly as without it") {
  const Split s = random_split(20, 2);
  const AugmentOptions off;
  const auto plain = batch(s, nullptr, 5, 2, 2);
  CHECK(plain.size() == 4u * 36u);  // the partial last batch
  CHECK(same_bits(plain, batch(s, &off, 5, 2, 2)));
}

TEST_CASE("a certain horizontal flip mirrors the normalised image and keeps the labels") {
  const Split s = random_split(8, 3);
  AugmentOptions flip;
  flip.hflip = 1.f;
  Batcher plain(s, 1, 6, 6, norm, 8), flipped(s, 1, 6, 6, norm, 8);
  flipped.set_augmentation(flip);
  REQUIRE(plain.load(0) == 8);
  REQUIRE(flipped.load(0) == 8);
  for (int i = 0; i < 8; ++i) {
    CHECK(flipped.labels()[i] == plain.labels()[i]);
    for (int y = 0; y < 6; ++y)
      for (int x = 0; x < 6; ++x)
        CHECK(flipped.images()[i * 36 + y * 6 + x] ==
              doctest::Approx(plain.images()[i * 36 + y * 6 + (5 - x)]).epsilon(1e-5));
  }
}

TEST_CASE("augmentation settings out of range are rejected with invalid_argument") {
  const Split s = random_split(4, 4);
  Batcher b(s, 1, 6, 6, norm, 2);
  AugmentOptions o;
  o.hflip = 1.5f;
  CHECK_THROWS_AS(b.set_augmentation(o), kcell::Error);
  o = AugmentOptions{};
  o.shift = 6;  // a shift as large as the image leaves nothing
  CHECK_THROWS_AS(b.set_augmentation(o), kcell::Error);
  o = AugmentOptions{};
  o.brightness = -0.1f;
  CHECK_THROWS_AS(b.set_augmentation(o), kcell::Error);
  o = AugmentOptions{};
  o.erase = 0.5f;
  o.erase_max_area = 0.f;
  CHECK_THROWS_AS(b.set_augmentation(o), kcell::Error);
}
