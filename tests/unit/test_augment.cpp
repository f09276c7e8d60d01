// Augmentation: the transforms' algebra, determinism in the seed, shapes and ranges.
#include <doctest/doctest.h>

#include <cmath>
#include <numeric>
#include <vector>

#include "data/augment.hpp"

using namespace kcell::data;

namespace {

std::vector<float> ramp(int c, int h, int w) {
  std::vector<float> v(static_cast<size_t>(c) * h * w);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i + 1) / (v.size() + 1);
  return v;
}

}  // namespace

TEST_CASE("two horizontal flips and two vertical flips are the identity") {
  const auto original = ramp(3, 5, 7);
  auto image = original;
  flip_horizontal(image.data(), 3, 5, 7);
  CHECK(image != original);
  flip_horizontal(image.data(), 3, 5, 7);
  CHECK(image == original);
  flip_vertical(image.data(), 3, 5, 7);
  CHECK(image != original);
  flip_vertical(image.data(), 3, 5, 7);
  CHECK(image == original);
}

TEST_CASE("a horizontal flip mirrors each row") {
  std::vector<float> image = {1, 2, 3, 4, 5, 6};  // 1 channel, 2×3
  flip_horizontal(image.data(), 1, 2, 3);
  CHECK(image == std::vector<float>{3, 2, 1, 6, 5, 4});
}

TEST_CASE("four quarter turns are the identity and one turns counter-clockwise like numpy.rot90") {
  const auto original = ramp(2, 4, 4);
  auto image = original;
  std::vector<float> scratch(image.size());
  for (int i = 0; i < 4; ++i) {
    rotate_quarter_turns(image.data(), 2, 4, 4, 1, scratch.data());
    if (i < 3) CHECK(image != original);
  }
  CHECK(image == original);

  std::vector<float> small = {1, 2, 3, 4, 5,
                              6, 7, 8, 9};  // numpy.rot90 gives 3 6 9 / 2 5 8 / 1 4 7
  std::vector<float> tmp(9);
  rotate_quarter_turns(small.data(), 1, 3, 3, 1, tmp.data());
  CHECK(small == std::vector<float>{3, 6, 9, 2, 5, 8, 1, 4, 7});
}

TEST_CASE("a 90 degree bilinear rotation equals three counter-clockwise quarter turns") {
  auto a = ramp(1, 6, 6), b = a;
  std::vector<float> scratch(a.size());
  rotate_degrees(a.data(), 1, 6, 6, 90.f, scratch.data());
  rotate_quarter_turns(b.data(), 1, 6, 6, 3, scratch.data());
  for (size_t i = 0; i < a.size(); ++i) CHECK(a[i] == doctest::Approx(b[i]).epsilon(1e-4));
}

TEST_CASE("a shift moves pixels and fills the uncovered border with zeros") {
  std::vector<float> image = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  std::vector<float> scratch(9);
  shift_image(image.data(), 1, 3, 3, 1, 0, scratch.data());
  CHECK(image == std::vector<float>{0, 1, 2, 0, 4, 5, 0, 7, 8});
}

TEST_CASE("erasing zeroes exactly the rectangle, clipped to the image") {
  std::vector<float> image(16, 1.f);
  erase_rect(image.data(), 1, 4, 4, 2, 3, 5, 5);
  CHECK(std::accumulate(image.begin(), image.end(), 0.f) == 14.f);
  CHECK(image[14] == 0.f);
  CHECK(image[15] == 0.f);
}

TEST_CASE("the same seed gives the same augmented image and another seed a different one") {
  AugmentOptions o;
  o.hflip = o.vflip = o.rot90 = 0.5f;
  o.rotate = 1.f;
  o.rotate_degrees = 15.f;
  o.shift = 2;
  o.brightness = o.contrast = 0.2f;
  o.erase = 0.5f;
  REQUIRE(o.any());
  const auto original = ramp(1, 28, 28);
  std::vector<float> scratch(original.size());
  auto a = original, b = original, c = original;
  augment_image(a.data(), 1, 28, 28, o, 1234, scratch.data());
  augment_image(b.data(), 1, 28, 28, o, 1234, scratch.data());
  augment_image(c.data(), 1, 28, 28, o, 1235, scratch.data());
  CHECK(a == b);
  CHECK(a != c);
  CHECK(a != original);
  for (float v : a) {
    CHECK(v >= 0.f);
    CHECK(v <= 1.f);
  }
}

TEST_CASE("no enabled augmentation leaves the image untouched") {
  AugmentOptions o;
  CHECK_FALSE(o.any());
  const auto original = ramp(3, 8, 8);
  auto image = original;
  std::vector<float> scratch(image.size());
  augment_image(image.data(), 3, 8, 8, o, 99, scratch.data());
  CHECK(image == original);
}

TEST_CASE("quarter turns of a non-square image keep its shape by turning 180 degrees") {
  AugmentOptions o;
  o.rot90 = 1.f;
  auto image = ramp(1, 2, 3);
  std::vector<float> scratch(image.size());
  augment_image(image.data(), 1, 2, 3, o, 7, scratch.data());
  CHECK(image[0] == doctest::Approx(6.f / 7.f));  // the last pixel came first
}
