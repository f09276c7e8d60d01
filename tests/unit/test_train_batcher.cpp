// Seeded shuffling, input normalisation and the batcher that feeds the network.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "common/error.hpp"
#include "common/rng.hpp"
#include "infer/batcher.hpp"
#include "model/normalization.hpp"

using kcell::data::Split;
using kcell::infer::Batcher;
using kcell::model::Normalization;

namespace {

// n images of c×2×2 whose pixels are all (index * 10 + channel), label index % 3.
Split make_split(size_t n, int c) {
  Split s;
  s.count = n;
  for (size_t i = 0; i < n; ++i) {
    for (int ch = 0; ch < c; ++ch)
      for (int p = 0; p < 4; ++p) s.images.push_back(static_cast<uint8_t>(i * 10 + ch));
    s.labels.push_back(static_cast<int32_t>(i % 3));
  }
  return s;
}

}  // namespace

TEST_CASE("splitmix64 reproduces the reference sequence for seed 1234567") {
  kcell::SplitMix64 rng(1234567);
  CHECK(rng.next() == 6457827717110365317ull);
  CHECK(rng.next() == 3203168211198807973ull);
  CHECK(rng.next() == 9817491932198370423ull);
}

TEST_CASE("a seeded shuffle is a fixed permutation, the same on every platform") {
  // Expected order from an independent Python transcription of splitmix64 + Fisher–Yates.
  const std::vector<size_t> expected = {8, 1, 5, 9, 0, 4, 3, 2, 6, 7};
  CHECK(kcell::shuffled_indices(10, 7) == expected);
  CHECK(kcell::shuffled_indices(10, 7) == kcell::shuffled_indices(10, 7));
  CHECK(kcell::shuffled_indices(10, 8) != expected);
  std::vector<size_t> big = kcell::shuffled_indices(1000, 3);
  std::sort(big.begin(), big.end());
  for (size_t i = 0; i < big.size(); ++i) CHECK(big[i] == i);
}

TEST_CASE("bounded draws stay below the bound and cover it evenly") {
  kcell::SplitMix64 rng(11);
  std::vector<int> counts(6, 0);
  for (int i = 0; i < 60000; ++i) {
    const uint64_t v = rng.below(6);
    REQUIRE(v < 6);
    ++counts[v];
  }
  for (int c : counts) CHECK(std::abs(c - 10000) < 400);
}

TEST_CASE("derived seeds differ per stream and are stable") {
  CHECK(kcell::derive_seed(42, 0) != kcell::derive_seed(42, 1));
  CHECK(kcell::derive_seed(42, 1) == kcell::derive_seed(42, 1));
  CHECK(kcell::derive_seed(42, 1) != kcell::derive_seed(43, 1));
}

TEST_CASE("normalisation is the per-channel mean and population std of pixel / 255") {
  Split s;
  s.count = 2;
  // channel 0: 0, 0, 255, 255 / channel 1: 51 everywhere (constant) — image 0 then 1.
  s.images = {0, 255, 51, 51, 255, 0, 51, 51};
  s.labels = {0, 1};
  const Normalization n = kcell::model::compute_normalization(s, 2, 2);
  REQUIRE(n.mean.size() == 2);
  CHECK(n.mean[0] == doctest::Approx(0.5));
  CHECK(n.std[0] == doctest::Approx(0.5));
  CHECK(n.mean[1] == doctest::Approx(0.2));
  CHECK(n.std[1] == 1.f);  // a constant channel keeps its scale
}

TEST_CASE("pixels become (pixel / 255 - mean) / std per channel") {
  const Normalization n{{0.5f, 0.f}, {0.25f, 2.f}};
  const kcell::model::PixelNormalizer conv(n, 2, 2);
  const uint8_t image[4] = {0, 255, 51, 255};
  float out[4];
  conv.convert(image, out);
  CHECK(out[0] == doctest::Approx(-2.0));
  CHECK(out[1] == doctest::Approx(2.0));
  CHECK(out[2] == doctest::Approx(0.1));
  CHECK(out[3] == doctest::Approx(0.5));
  const kcell::model::PixelNormalizer identity(Normalization{}, 1, 4);
  identity.convert(image, out);
  CHECK(out[1] == doctest::Approx(1.0));
}

TEST_CASE("the batcher keeps the last partial batch and follows the given order") {
  const Split s = make_split(7, 2);
  Batcher b(s, 2, 2, 2, Normalization{}, 3);
  CHECK(b.num_batches() == 3);
  b.set_order({6, 5, 4, 3, 2, 1, 0});
  const float* buffer = b.images();
  CHECK(b.load(0) == 3);
  CHECK(b.labels()[0] == 6 % 3);
  CHECK(b.images()[0] == doctest::Approx(60 / 255.0));
  CHECK(b.images()[4] == doctest::Approx(61 / 255.0));  // image 6, channel 1
  CHECK(b.images()[8] == doctest::Approx(50 / 255.0));  // image 5, channel 0
  CHECK(b.load(2) == 1);
  CHECK(b.labels()[0] == 0);
  CHECK(b.images()[7] == doctest::Approx(1 / 255.0));
  CHECK(b.images() == buffer);  // the same buffer every batch
}

TEST_CASE("the batcher rejects an order naming an image past the split") {
  const Split s = make_split(4, 1);
  Batcher b(s, 1, 2, 2, Normalization{}, 2);
  CHECK_THROWS_AS(b.set_order({0, 4}), kcell::Error);
  CHECK_THROWS_AS(Batcher(s, 1, 2, 2, Normalization{}, 0), kcell::Error);
  CHECK_THROWS_AS(b.load(2), kcell::Error);
}

TEST_CASE("a batch size beyond the split makes one batch of every image") {
  const Split s = make_split(5, 1);
  Batcher b(s, 1, 2, 2, Normalization{}, 2147483647);
  CHECK(b.num_batches() == 1);
  CHECK(b.load(0) == 5);
  CHECK(b.labels()[4] == 4 % 3);
  b.set_order({0, 1, 2, 3, 4, 0, 1});  // a longer order (drawn with replacement) grows it
  CHECK(b.load(0) == 7);
  CHECK(b.labels()[6] == 1);
}
