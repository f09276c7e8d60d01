#include "train/sampler.hpp"

#include "common/error.hpp"
#include "common/rng.hpp"

namespace kcell::train {

std::vector<size_t> balanced_indices(const int32_t* labels, size_t n, int num_classes, size_t count,
                                     uint64_t seed) {
  std::vector<std::vector<size_t>> by_class(static_cast<size_t>(num_classes));
  for (size_t i = 0; i < n; ++i) {
    const int32_t y = labels[i];
    if (y < 0 || y >= num_classes)
      fail(Status::invalid_argument, "balanced sampling needs labels in [0, class count)");
    by_class[static_cast<size_t>(y)].push_back(i);
  }
  std::vector<const std::vector<size_t>*> present;
  for (const auto& members : by_class)
    if (!members.empty()) present.push_back(&members);
  std::vector<size_t> out;
  if (present.empty()) return out;
  out.reserve(count);
  SplitMix64 rng(seed);
  for (size_t k = 0; k < count; ++k) {
    const auto& members = *present[rng.below(present.size())];
    out.push_back(members[rng.below(members.size())]);
  }
  return out;
}

}  // namespace kcell::train
