#include "common/rng.hpp"

#include <cmath>
#include <numeric>
#include <utility>

namespace kcell {

uint64_t SplitMix64::below(uint64_t bound) {
  // Reject the top partial copy of [0, bound) so every value is equally likely.
  const uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
  uint64_t x = next();
  while (x >= limit) x = next();
  return x % bound;
}

uint64_t derive_seed(uint64_t seed, uint64_t stream) {
  SplitMix64 a(seed);
  SplitMix64 b(a.next() ^ (stream * 0xD1B54A32D192ED03ull));
  return b.next();
}

double log_gamma_draw(SplitMix64& rng, double shape) {
  // 1 - uniform01() lies in (0, 1]: its logarithm is finite.
  const auto open_uniform = [&rng] { return 1.0 - rng.uniform01(); };
  if (shape < 1.0) return log_gamma_draw(rng, shape + 1.0) + std::log(open_uniform()) / shape;
  const double d = shape - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    const double two_pi = 6.283185307179586;
    const double x =
        std::sqrt(-2.0 * std::log(open_uniform())) * std::cos(two_pi * rng.uniform01());
    const double t = 1.0 + c * x;
    if (t <= 0.0) continue;
    const double v = t * t * t, u = open_uniform();
    if (u < 1.0 - 0.0331 * x * x * x * x || std::log(u) < 0.5 * x * x + d * (1.0 - v + std::log(v)))
      return std::log(d * v);
  }
}

double beta_draw(SplitMix64& rng, double a, double b) {
  const double log_x = log_gamma_draw(rng, a), log_y = log_gamma_draw(rng, b);
  return 1.0 / (1.0 + std::exp(log_y - log_x));  // X / (X + Y) without under- or overflow
}

void shuffle(std::vector<size_t>& order, SplitMix64& rng) {
  for (size_t i = order.size(); i > 1; --i) {
    const size_t j = static_cast<size_t>(rng.below(i));
    std::swap(order[i - 1], order[j]);
  }
}

std::vector<size_t> shuffled_indices(size_t count, uint64_t seed) {
  std::vector<size_t> order(count);
  std::iota(order.begin(), order.end(), size_t{0});
  SplitMix64 rng(seed);
  shuffle(order, rng);
  return order;
}

}  // namespace kcell
