// Which training images an epoch visits, in which order: a seeded shuffle, or a
// class-balanced draw for imbalanced data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace kcell::train {

// `count` image indices drawn with replacement so that every class that has images is
// drawn equally often in expectation: a class uniformly at random, then an image of that
// class uniformly at random. labels[i] in [0, num_classes). Deterministic in `seed`.
std::vector<size_t> balanced_indices(const int32_t* labels, size_t n, int num_classes, size_t count,
                                     uint64_t seed);

}  // namespace kcell::train
