// The library's one seeded random generator, identical on every platform and standard
// library (std::shuffle and the std distributions are not specified bit for bit):
// splitmix64 (Steele, Lea, Flood 2014) for weight initialisation, shuffles and
// augmentation, and its mixing function as a counter-based hash for dropout.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace kcell {

// The splitmix64 finaliser: a bijective 64-bit mix with good avalanche.
inline uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ull;

// 64-bit state, every seed is a good seed.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next() { return mix64(state_ += kGolden); }
  // Uniform in [0, 1) with 53 random bits.
  double uniform01() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Uniform in [0, bound) without modulo bias; bound must be > 0.
  uint64_t below(uint64_t bound);

 private:
  uint64_t state_;
};

// Fills v with U(-bound, bound), the distribution of PyTorch's default initialisers.
inline void fill_uniform(std::vector<float>& v, double bound, SplitMix64& rng) {
  for (float& x : v) x = static_cast<float>((2.0 * rng.uniform01() - 1.0) * bound);
}

// log X for a draw X ~ Gamma(shape, 1), shape > 0: Marsaglia and Tsang (2000) with
// Box–Muller normals, and for shape < 1 their boost Gamma(shape + 1) * U^(1/shape). In logs
// because U^(1/shape) underflows for small shapes.
double log_gamma_draw(SplitMix64& rng, double shape);

// A draw from Beta(a, b), a, b > 0, as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b).
double beta_draw(SplitMix64& rng, double a, double b);

// Mixes a seed with a stream number (e.g. the epoch) into an independent seed.
uint64_t derive_seed(uint64_t seed, uint64_t stream);

// Fisher–Yates shuffle of `order` driven by `rng`.
void shuffle(std::vector<size_t>& order, SplitMix64& rng);

// 0 .. count-1 in the order a Fisher–Yates shuffle seeded with `seed` gives.
std::vector<size_t> shuffled_indices(size_t count, uint64_t seed);

}  // namespace kcell
