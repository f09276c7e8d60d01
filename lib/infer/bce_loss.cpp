#include "infer/bce_loss.hpp"

#include <cmath>
#include <string>

#include "common/error.hpp"

namespace kcell::infer {
namespace {

// log(1 + exp(x)) without overflow.
double softplus(double x) { return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); }

double sigmoid(double z) {
  const double e = std::exp(-std::fabs(z));
  return z >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
}

void check_label(int32_t y, int row, int label) {
  if (y != 0 && y != 1)
    fail(Status::invalid_argument, "label " + std::to_string(label) + " of batch row " +
                                       std::to_string(row) + " is " + std::to_string(y) +
                                       "; multi-label labels must be 0 or 1");
}

}  // namespace

SigmoidBinaryCrossEntropy::SigmoidBinaryCrossEntropy(int num_labels, BinaryLossOptions options)
    : labels_(num_labels), eps_(options.label_smoothing) {
  if (labels_ < 1) fail(Status::invalid_argument, "the loss needs at least one label");
  if (!(eps_ >= 0.f && eps_ < 1.f))
    fail(Status::invalid_argument,
         "label smoothing must be in [0, 1), got " + std::to_string(eps_));
  if (options.pos_weights.empty()) {
    pos_weights_.assign(static_cast<size_t>(labels_), 1.f);
    return;
  }
  if (options.pos_weights.size() != static_cast<size_t>(labels_))
    fail(Status::invalid_argument, "positive weights: expected " + std::to_string(labels_) +
                                       " weights (one per label), got " +
                                       std::to_string(options.pos_weights.size()));
  for (size_t l = 0; l < options.pos_weights.size(); ++l)
    if (!(std::isfinite(options.pos_weights[l]) && options.pos_weights[l] > 0.f))
      fail(Status::invalid_argument, "positive weight " + std::to_string(l) +
                                         " must be finite and above 0, got " +
                                         std::to_string(options.pos_weights[l]));
  pos_weights_ = std::move(options.pos_weights);
}

BatchLoss SigmoidBinaryCrossEntropy::compute(const float* logits, const int32_t* labels, int n,
                                             float* dlogits, float* probs) const {
  return compute_blend(logits, labels, labels, 1.0, n, dlogits, probs);
}

BatchLoss SigmoidBinaryCrossEntropy::compute_mixed(const float* logits, const int32_t* labels_a,
                                                   const int32_t* labels_b, double lambda, int n,
                                                   float* dlogits) const {
  if (!(lambda >= 0.0 && lambda <= 1.0))
    fail(Status::invalid_argument, "mixing share must be in [0, 1], got " + std::to_string(lambda));
  return compute_blend(logits, labels_a, labels_b, lambda, n, dlogits, nullptr);
}

BatchLoss SigmoidBinaryCrossEntropy::compute_blend(const float* logits, const int32_t* labels_a,
                                                   const int32_t* labels_b, double lambda, int n,
                                                   float* dlogits, float* probs) const {
  const size_t L = static_cast<size_t>(labels_);
  const double keep = 1.0 - static_cast<double>(eps_), smooth = static_cast<double>(eps_) / 2;
  const double scale = n > 0 ? 1.0 / (static_cast<double>(n) * static_cast<double>(L)) : 0.0;
  const int32_t* major = lambda >= 0.5 ? labels_a : labels_b;  // decides the correct pairs
  BatchLoss out;
  for (int i = 0; i < n; ++i) {
    double row = 0.0;
    for (size_t l = 0; l < L; ++l) {
      const size_t at = static_cast<size_t>(i) * L + l;
      check_label(labels_a[at], i, static_cast<int>(l));
      check_label(labels_b[at], i, static_cast<int>(l));
      const double z = logits[at];
      const double t = keep * (lambda * labels_a[at] + (1.0 - lambda) * labels_b[at]) + smooth;
      const double w = pos_weights_[l];
      // -log s(z) = softplus(-z), -log(1 - s(z)) = softplus(z).
      row += w * t * softplus(-z) + (1.0 - t) * softplus(z);
      const double p = sigmoid(z);
      out.correct += (p > 0.5) == (major[at] == 1);
      if (probs) probs[at] = static_cast<float>(p);
      if (dlogits) dlogits[at] = static_cast<float>((p * (w * t + 1.0 - t) - w * t) * scale);
    }
    out.sum += row / static_cast<double>(L);
  }
  out.weight = static_cast<double>(n);
  out.loss = n > 0 ? out.sum / out.weight : 0.0;
  out.decisions = static_cast<size_t>(n) * L;
  return out;
}

}  // namespace kcell::infer
