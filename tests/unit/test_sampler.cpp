// The class-balanced sampler evens out an imbalanced training split.
#include <doctest/doctest.h>

#include <vector>

#include "common/error.hpp"
#include "train/sampler.hpp"

using kcell::train::balanced_indices;

TEST_CASE("the balanced sampler draws the classes of a 9:1 split within a few percent of even") {
  std::vector<int32_t> labels(9000, 0);
  labels.resize(10000, 1);
  const auto drawn = balanced_indices(labels.data(), labels.size(), 2, 20000, 7);
  REQUIRE(drawn.size() == 20000);
  size_t minority = 0;
  for (size_t i : drawn) {
    REQUIRE(i < labels.size());
    minority += labels[i] == 1;
  }
  const double share = static_cast<double>(minority) / drawn.size();
  CHECK(share > 0.47);
  CHECK(share < 0.53);
}

TEST_CASE("the balanced sampler is deterministic in its seed and skips empty classes") {
  std::vector<int32_t> labels = {0, 0, 0, 2, 2, 0};
  const auto a = balanced_indices(labels.data(), labels.size(), 4, 100, 1);
  const auto b = balanced_indices(labels.data(), labels.size(), 4, 100, 1);
  const auto c = balanced_indices(labels.data(), labels.size(), 4, 100, 2);
  CHECK(a == b);
  CHECK(a != c);
  for (size_t i : a) CHECK((labels[i] == 0 || labels[i] == 2));
}

TEST_CASE("the balanced sampler rejects labels outside the class range") {
  std::vector<int32_t> labels = {0, 5};
  CHECK_THROWS_AS(balanced_indices(labels.data(), 2, 2, 10, 1), kcell::Error);
}
