#include "train/class_weights.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "common/error.hpp"

namespace kcell::train {

std::vector<float> inverse_frequency_weights(const int32_t* labels, size_t n, int k, double power) {
  if (n == 0) fail(Status::invalid_argument, "automatic class weights need training images");
  std::vector<size_t> counts(static_cast<size_t>(k), 0);
  for (size_t i = 0; i < n; ++i) {
    if (labels[i] < 0 || labels[i] >= k)
      fail(Status::invalid_argument, "label " + std::to_string(labels[i]) + " of image " +
                                         std::to_string(i) + " is outside [0, " +
                                         std::to_string(k) + ")");
    ++counts[static_cast<size_t>(labels[i])];
  }
  double inverse_sum = 0.0;
  size_t present = 0;
  for (size_t c : counts)
    if (c) {
      inverse_sum += std::pow(static_cast<double>(c), -power);
      ++present;
    }
  const double mean = inverse_sum / static_cast<double>(present);
  std::vector<float> weights(counts.size(), 0.f);
  for (size_t c = 0; c < counts.size(); ++c)
    if (counts[c])
      weights[c] = static_cast<float>(std::pow(static_cast<double>(counts[c]), -power) / mean);
  return weights;
}

std::vector<float> positive_weights(const int32_t* labels, size_t n, int L) {
  if (n == 0) fail(Status::invalid_argument, "automatic positive weights need training images");
  const size_t K = static_cast<size_t>(L);
  std::vector<size_t> positives(K, 0);
  for (size_t i = 0; i < n * K; ++i) {
    if (labels[i] != 0 && labels[i] != 1)
      fail(Status::invalid_argument, "label " + std::to_string(i % K) + " of image " +
                                         std::to_string(i / K) + " is " +
                                         std::to_string(labels[i]) + ", not 0 or 1");
    positives[i % K] += labels[i] == 1;
  }
  std::vector<float> weights(K, 1.f);
  for (size_t l = 0; l < K; ++l) {
    if (positives[l] == 0 || positives[l] == n) continue;
    const double ratio = static_cast<double>(n - positives[l]) / static_cast<double>(positives[l]);
    weights[l] =
        static_cast<float>(std::min(std::max(ratio, 1.0 / kMaxPositiveWeight), kMaxPositiveWeight));
  }
  return weights;
}

}  // namespace kcell::train
