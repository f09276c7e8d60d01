// Binary cross-entropy on n×L logits of a multi-label model, with PyTorch's semantics
// (torch.nn.BCEWithLogitsLoss(pos_weight=w), mean over every element):
//
//   loss_il = -(w[l] * t_il * log s(z_il) + (1 - t_il) * log(1 - s(z_il))),  s the sigmoid
//   loss    = sum_il loss_il / (n * L)
//
// where t is the 0/1 label, or with label smoothing eps, t * (1 - eps) + eps / 2. s and
// its logarithms are computed through softplus, stable for any logit.
#pragma once

#include <cstdint>
#include <vector>

#include "infer/loss.hpp"

namespace kcell::infer {

struct BinaryLossOptions {
  std::vector<float> pos_weights;  // empty: every label's positives weigh 1
  float label_smoothing = 0.f;     // eps in [0, 1)
};

class SigmoidBinaryCrossEntropy {
 public:
  // Throws invalid_argument for fewer than 1 label, a bad weight count, a weight that is not
  // finite and positive, or eps outside [0, 1).
  SigmoidBinaryCrossEntropy(int num_labels, BinaryLossOptions options);

  // labels: n × L values of 0 or 1 (others are refused). In the result, sum is the sum over
  // rows of each row's mean loss over its labels and weight is n (so loss = sum / weight is
  // the mean over every element, and epochs add batches as compute() does), correct counts
  // the (row, label) pairs whose probability is on the label's side of 0.5 and decisions
  // is n × L. dlogits (if not NULL) receives d loss / d logits, probs (if not NULL) the
  // sigmoids.
  BatchLoss compute(const float* logits, const int32_t* labels, int n, float* dlogits,
                    float* probs) const;

  // Mixup / CutMix: lambda * BCE(labels_a) + (1 - lambda) * BCE(labels_b), which is the
  // loss of the blended target lambda * a + (1 - lambda) * b; correct counts against the
  // labels of the larger share (labels_a on a tie).
  BatchLoss compute_mixed(const float* logits, const int32_t* labels_a, const int32_t* labels_b,
                          double lambda, int n, float* dlogits) const;

  int num_labels() const { return labels_; }

 private:
  BatchLoss compute_blend(const float* logits, const int32_t* labels_a, const int32_t* labels_b,
                          double lambda, int n, float* dlogits, float* probs) const;

  int labels_;
  std::vector<float> pos_weights_;  // L entries, all 1 when none were given
  float eps_;
};

}  // namespace kcell::infer
