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

// The largest automatic positive weight, and the smallest (its inverse).
inline constexpr double kMaxPositiveWeight = 100.0;

// Automatic positive weights of a multi-label model's loss: for each of the L labels,
// negatives / positives over the n images (labels: n × L values of 0 or 1), clamped to
// [1 / kMaxPositiveWeight, kMaxPositiveWeight]; 1 for a label that has no positives or no
// negatives. A label with 1 % positives gets 99: its positives then weigh as much in the
// loss as its negatives. Throws invalid_argument for no images or a label other than 0 / 1.
std::vector<float> positive_weights(const int32_t* labels, size_t n, int L);

}  // namespace kcell::train
