#include "infer/decision_bias.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "common/error.hpp"

namespace kcell::infer {

std::vector<float> fit_decision_bias(const float* probabilities, const int32_t* labels, size_t n,
                                     int k, BiasTarget target_kind) {
  if (n == 0 || k < 2)
    fail(Status::invalid_argument, "a decision bias needs labelled rows of 2 or more classes");
  const size_t kk = static_cast<size_t>(k);
  std::vector<double> log_p(n * kk), target(kk, 1.0);
  for (size_t i = 0; i < n; ++i) {
    if (labels[i] < 0 || labels[i] >= k)
      fail(Status::invalid_argument, "label " + std::to_string(labels[i]) + " of row " +
                                         std::to_string(i) + " is outside [0, " +
                                         std::to_string(k) + ")");
    target[static_cast<size_t>(labels[i])] += 1.0;
    for (size_t c = 0; c < kk; ++c) {
      const double p = probabilities[i * kk + c];
      if (!std::isfinite(p))
        fail(Status::invalid_argument, "row " + std::to_string(i) + " is not finite");
      log_p[i * kk + c] = std::log(std::max(p, 1e-30));
    }
  }
  for (double& t : target) t /= static_cast<double>(n + kk);

  // Gradient descent: the gradient is mean_i softmax(z_i + b) - target, and the Hessian's
  // largest eigenvalue is at most 1/2, so a step of 2 always descends.
  std::vector<double> b(kk, 0.0), mean(kk), row(kk);
  for (int iteration = 0; iteration < 5000; ++iteration) {
    std::fill(mean.begin(), mean.end(), 0.0);
    for (size_t i = 0; i < n; ++i) {
      double top = -1e300;
      for (size_t c = 0; c < kk; ++c) top = std::max(top, row[c] = log_p[i * kk + c] + b[c]);
      double sum = 0.0;
      for (size_t c = 0; c < kk; ++c) sum += row[c] = std::exp(row[c] - top);
      for (size_t c = 0; c < kk; ++c) mean[c] += row[c] / sum;
    }
    double largest = 0.0;
    for (size_t c = 0; c < kk; ++c) {
      const double g = mean[c] / static_cast<double>(n) - target[c];
      largest = std::max(largest, std::fabs(g));
      b[c] -= 2.0 * g;
    }
    if (largest < 1e-7) break;
  }
  if (target_kind == BiasTarget::equal_priors)
    for (size_t c = 0; c < kk; ++c) b[c] -= std::log(target[c]);
  double centre = 0.0;
  for (double v : b) centre += v / static_cast<double>(kk);
  std::vector<float> out(kk);
  for (size_t c = 0; c < kk; ++c) out[c] = static_cast<float>(b[c] - centre);
  return out;
}

double decision_score(const float* probabilities, const int32_t* labels, size_t n, int k,
                      const std::vector<float>& bias, bool balanced) {
  const size_t kk = static_cast<size_t>(std::max(k, 0));
  std::vector<size_t> right(kk, 0), seen(kk, 0);
  for (size_t i = 0; i < n; ++i) {
    size_t best = 0;
    double top = -1e300;
    for (size_t c = 0; c < kk; ++c) {
      const double z = std::log(std::max(static_cast<double>(probabilities[i * kk + c]), 1e-30)) +
                       (bias.empty() ? 0.0 : bias[c]);
      if (z > top) top = z, best = c;
    }
    if (labels[i] < 0 || static_cast<size_t>(labels[i]) >= kk) continue;
    const size_t truth = static_cast<size_t>(labels[i]);
    ++seen[truth];
    if (best == truth) ++right[truth];
  }
  size_t all_right = 0, all_seen = 0, present = 0;
  double recall = 0.0;
  for (size_t c = 0; c < kk; ++c) {
    all_right += right[c];
    all_seen += seen[c];
    if (seen[c] == 0) continue;
    ++present;
    recall += static_cast<double>(right[c]) / static_cast<double>(seen[c]);
  }
  if (balanced) return present ? recall / static_cast<double>(present) : 0.0;
  return all_seen ? static_cast<double>(all_right) / static_cast<double>(all_seen) : 0.0;
}

}  // namespace kcell::infer
