// Automatic class weights for imbalanced training data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace kcell::train {

// Inverse class frequency: weight[c] proportional to count[c]^-power (power 1: 1/count,
// 0.5: 1/sqrt(count)), scaled so the classes present in `labels` average 1; classes with
// no image weigh 0. labels[i] in [0, k). Throws invalid_argument for a label out of range
// or no labels at all.
std::vector<float> inverse_frequency_weights(const int32_t* labels, size_t n, int k,
                                             double power = 1.0);

}  // namespace kcell::train
