#include "infer/loss.hpp"

#include <cmath>
#include <string>

#include "common/error.hpp"

namespace kcell::infer {

SoftmaxCrossEntropy::SoftmaxCrossEntropy(int num_classes, LossOptions options)
    : k_(num_classes), eps_(options.label_smoothing) {
  if (k_ < 1) fail(Status::invalid_argument, "the loss needs at least one class");
  if (!(eps_ >= 0.f && eps_ < 1.f))
    fail(Status::invalid_argument,
         "label smoothing must be in [0, 1), got " + std::to_string(eps_));
  if (options.class_weights.empty()) {
    weights_.assign(static_cast<size_t>(k_), 1.f);
  } else {
    if (options.class_weights.size() != static_cast<size_t>(k_))
      fail(Status::invalid_argument, "class weights: expected " + std::to_string(k_) +
                                         " weights, got " +
                                         std::to_string(options.class_weights.size()));
    weights_ = std::move(options.class_weights);
  }
  weight_total_ = 0.0;
  for (size_t c = 0; c < weights_.size(); ++c) {
    if (!(std::isfinite(weights_[c]) && weights_[c] >= 0.f))
      fail(Status::invalid_argument, "class weight " + std::to_string(c) +
                                         " must be finite and not negative, got " +
                                         std::to_string(weights_[c]));
    weight_total_ += weights_[c];
  }
  if (weight_total_ <= 0.0) fail(Status::invalid_argument, "class weights are all zero");
}

int argmax(const float* row, int k) {
  int best = 0;
  for (int j = 1; j < k; ++j)
    if (row[j] > row[best]) best = j;
  return best;
}

BatchLoss SoftmaxCrossEntropy::compute(const float* logits, const int32_t* labels, int n,
                                       float* dlogits, float* probs) const {
  const Target target{labels, 1.0};
  return compute_targets(logits, &target, 1, n, dlogits, probs);
}

BatchLoss SoftmaxCrossEntropy::compute_mixed(const float* logits, const int32_t* labels_a,
                                             const int32_t* labels_b, double lambda, int n,
                                             float* dlogits) const {
  if (!(lambda >= 0.0 && lambda <= 1.0))
    fail(Status::invalid_argument, "mixing share must be in [0, 1], got " + std::to_string(lambda));
  // The larger share first: its labels decide the correct rows.
  const Target a{labels_a, lambda}, b{labels_b, 1.0 - lambda};
  const Target targets[2] = {lambda >= 0.5 ? a : b, lambda >= 0.5 ? b : a};
  return compute_targets(logits, targets, 2, n, dlogits, nullptr);
}

BatchLoss SoftmaxCrossEntropy::compute_targets(const float* logits, const Target* targets,
                                               int count, int n, float* dlogits,
                                               float* probs) const {
  const int k = k_;
  const double smooth = static_cast<double>(eps_) / k;
  const double keep = 1.0 - static_cast<double>(eps_);
  double sums[2] = {0.0, 0.0}, weights[2] = {0.0, 0.0};  // per target; count <= 2
  BatchLoss out;
  out.decisions = static_cast<size_t>(n);

  // Pass 1: per-row loss; probabilities go to `probs` or, for the gradient, to dlogits.
  for (int i = 0; i < n; ++i) {
    const float* z = logits + static_cast<size_t>(i) * k;
    float* p = probs ? probs + static_cast<size_t>(i) * k
                     : (dlogits ? dlogits + static_cast<size_t>(i) * k : nullptr);
    for (int t = 0; t < count; ++t) {
      const int y = targets[t].labels[i];
      if (y < 0 || y >= k)
        fail(Status::invalid_argument, "label " + std::to_string(y) + " of batch row " +
                                           std::to_string(i) + " is outside [0, " +
                                           std::to_string(k) + ")");
    }
    float m = z[0];
    for (int j = 1; j < k; ++j) m = z[j] > m ? z[j] : m;
    double s = 0.0;
    for (int j = 0; j < k; ++j) s += std::exp(static_cast<double>(z[j]) - m);
    const double lse = m + std::log(s);  // log sum_j exp z_j

    double all = 0.0;  // the smoothing term, the same for every label
    if (smooth != 0.0)
      for (int j = 0; j < k; ++j) all += weights_[j] * (lse - z[j]);
    for (int t = 0; t < count; ++t) {
      const int y = targets[t].labels[i];
      double row = keep * weights_[y] * (lse - z[y]);
      if (smooth != 0.0) row += smooth * all;
      sums[t] += row;
      weights[t] += weights_[y];
    }
    if (argmax(z, k) == targets[0].labels[i]) ++out.correct;
    if (p)
      for (int j = 0; j < k; ++j) p[j] = static_cast<float>(std::exp(z[j] - lse));
  }
  // Each target's mean over its own weight total, blended by the shares; one target is
  // plain sum / weight.
  double scale[2] = {0.0, 0.0};
  if (count == 1) {
    out.sum = sums[0];
    out.weight = weights[0];
    out.loss = out.weight > 0.0 ? out.sum / out.weight : 0.0;
    scale[0] = out.weight > 0.0 ? 1.0 / out.weight : 0.0;
  } else {
    for (int t = 0; t < count; ++t) {
      if (weights[t] <= 0.0) continue;
      out.loss += targets[t].share * (sums[t] / weights[t]);
      out.weight += targets[t].share * weights[t];
      scale[t] = targets[t].share / weights[t];
    }
    for (int t = 0; t < count; ++t)
      if (weights[t] > 0.0) out.sum += targets[t].share * sums[t] * (out.weight / weights[t]);
  }
  if (!dlogits) return out;

  // Pass 2: d loss_i / d z_j = (1-eps) w[y] (p_j - [j=y]) + eps/k (W p_j - w[j]) per target,
  // over its weight total, blended by the shares.
  for (int i = 0; i < n; ++i) {
    const float* p = (probs ? probs : dlogits) + static_cast<size_t>(i) * k;
    float* d = dlogits + static_cast<size_t>(i) * k;
    for (int j = 0; j < k; ++j) {
      const double pj = p[j];
      double sum = 0.0;
      for (int t = 0; t < count; ++t) {
        const int y = targets[t].labels[i];
        const double wy = keep * weights_[y];
        double g = wy * pj + smooth * (weight_total_ * pj - weights_[j]);
        if (j == y) g -= wy;
        sum += g * scale[t];
      }
      d[j] = static_cast<float>(sum);
    }
  }
  return out;
}

}  // namespace kcell::infer
