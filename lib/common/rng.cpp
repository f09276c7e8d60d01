#include "common/rng.hpp"

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
