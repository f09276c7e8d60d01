// A small seeded random generator of our own, so that shuffles are the same with every
// standard library (std::shuffle and the std distributions are not specified bit for bit).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace kcell::train {

// SplitMix64 (Steele, Lea, Flood 2014): 64-bit state, every seed is a good seed.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}

  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

  // Uniform in [0, bound) without modulo bias; bound must be > 0.
  uint64_t below(uint64_t bound);

 private:
  uint64_t state_;
};

// Mixes a seed with a stream number (e.g. the epoch) into an independent seed.
uint64_t derive_seed(uint64_t seed, uint64_t stream);

// Fisher–Yates shuffle of `order` driven by `rng`.
void shuffle(std::vector<size_t>& order, SplitMix64& rng);

// 0 .. count-1 in the order a Fisher–Yates shuffle seeded with `seed` gives.
std::vector<size_t> shuffled_indices(size_t count, uint64_t seed);

}  // namespace kcell::train
