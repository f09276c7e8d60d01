// Folding an inference-mode batch norm into the layer before it (infer/bn_folding).
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "common/error.hpp"
#include "common/rng.hpp"
#include "infer/bn_folding.hpp"

using kcell::infer::BatchNormStats;
using kcell::infer::fold_batch_norm;

namespace {

std::vector<float> uniform(size_t n, double lo, double hi, uint64_t seed) {
  kcell::SplitMix64 rng(seed);
  std::vector<float> v(n);
  for (float& x : v) x = static_cast<float>(lo + (hi - lo) * rng.uniform01());
  return v;
}

// out × in weights times x plus bias (none when empty), in double.
std::vector<double> affine(const std::vector<float>& w, const std::vector<float>& b,
                           const std::vector<float>& x, size_t out) {
  const size_t in = x.size();
  std::vector<double> y(out, 0.0);
  for (size_t o = 0; o < out; ++o) {
    y[o] = b.empty() ? 0.0 : b[o];
    for (size_t i = 0; i < in; ++i) y[o] += static_cast<double>(w[o * in + i]) * x[i];
  }
  return y;
}

void check_fold(bool with_bias) {
  const size_t out = 5, in = 7;
  std::vector<float> w = uniform(out * in, -1, 1, 1);
  std::vector<float> b = with_bias ? uniform(out, -1, 1, 2) : std::vector<float>{};
  const std::vector<float> gamma = uniform(out, 0.5, 1.5, 3), beta = uniform(out, -1, 1, 4),
                           mean = uniform(out, -1, 1, 5), var = uniform(out, 0.1, 3, 6);
  const BatchNormStats bn{gamma, beta, mean, var, 1e-5f};
  const std::vector<float> x = uniform(in, -2, 2, 7);
  const std::vector<double> layer = affine(w, b, x, out);
  fold_batch_norm(w, b, bn);
  REQUIRE(b.size() == out);
  const std::vector<double> folded = affine(w, b, x, out);
  for (size_t o = 0; o < out; ++o) {
    const double expected =
        gamma[o] * (layer[o] - mean[o]) / std::sqrt(static_cast<double>(var[o]) + 1e-5) + beta[o];
    CHECK(folded[o] == doctest::Approx(expected).epsilon(1e-6));
  }
}

}  // namespace

TEST_CASE("a folded batch norm computes the batch norm of the layer's output") { check_fold(true); }

TEST_CASE("a layer without bias gets a bias from the batch norm's shift and mean") {
  check_fold(false);
}

TEST_CASE("batch-norm statistics that do not fit the layer are an internal error") {
  std::vector<float> w(12, 1.f), b;
  const std::vector<float> three(3, 1.f), five(5, 1.f);
  CHECK_THROWS_AS(fold_batch_norm(w, b, BatchNormStats{five, five, five, five, 1e-5f}),
                  kcell::Error);  // 12 weights are not 5 rows
  std::vector<float> bias(2, 0.f);
  CHECK_THROWS_AS(fold_batch_norm(w, bias, BatchNormStats{three, three, three, three, 1e-5f}),
                  kcell::Error);  // 2 biases for 3 channels
  CHECK_THROWS_AS(fold_batch_norm(w, b, BatchNormStats{three, three, five, three, 1e-5f}),
                  kcell::Error);
}
