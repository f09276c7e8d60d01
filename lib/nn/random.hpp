// Seeded randomness that is identical on every platform and standard library: splitmix64
// for weight initialisation, and its mixing function as a counter-based hash for dropout.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

namespace kcell::nn {

// The splitmix64 finaliser: a bijective 64-bit mix with good avalanche.
inline uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ull;

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next() { return mix64(state_ += kGolden); }
  // Uniform in [0, 1) with 53 random bits.
  double uniform01() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

 private:
  uint64_t state_;
};

// Fills v with U(-bound, bound), the distribution of PyTorch's default initialisers.
inline void fill_uniform(std::vector<float>& v, double bound, SplitMix64& rng) {
  for (float& x : v) x = static_cast<float>((2.0 * rng.uniform01() - 1.0) * bound);
}

}  // namespace kcell::nn
