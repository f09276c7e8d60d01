// Softmax cross-entropy on plain n×k logits, with PyTorch's semantics for class weights
// and label smoothing (torch.nn.CrossEntropyLoss(weight=w, label_smoothing=eps), mean):
//
//   loss_i = (1-eps) * w[y_i] * -log p_i[y_i]  +  eps/k * sum_c w[c] * -log p_i[c]
//   loss   = sum_i loss_i / sum_i w[y_i]
//
// Without weights (w = 1) this is the cross-entropy against the smoothed target
// (1-eps)*onehot + eps/k. p is computed stably through log-sum-exp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace kcell::infer {

struct LossOptions {
  std::vector<float> class_weights;  // empty: every class weighs 1
  float label_smoothing = 0.f;       // eps in [0, 1)
};

// What one batch contributed; sums add up across batches.
struct BatchLoss {
  double loss = 0.0;     // the batch's mean loss, sum / weight (0 when weight is 0)
  double sum = 0.0;      // sum_i loss_i
  double weight = 0.0;   // sum_i w[y_i]: n without class weights
  size_t correct = 0;    // rows whose first largest logit is the label
  size_t decisions = 0;  // what correct counts out of: the rows (multi-label: rows × labels)
};

class SoftmaxCrossEntropy {
 public:
  // Throws invalid_argument for a bad weight count, a negative / non-finite weight, all
  // weights zero, or eps outside [0, 1).
  SoftmaxCrossEntropy(int num_classes, LossOptions options);

  // labels must lie in [0, k). When dlogits is not NULL it receives d loss / d logits
  // (n×k); when probs is not NULL, the softmax probabilities (n×k). A batch whose labels
  // all weigh 0 contributes nothing (loss 0, gradient 0) rather than PyTorch's 0/0 NaN.
  BatchLoss compute(const float* logits, const int32_t* labels, int n, float* dlogits,
                    float* probs) const;

  // The loss of a mixed batch (mixup, cutmix): lambda * CE(labels_a) + (1 - lambda) *
  // CE(labels_b), each term exactly compute()'s loss with its own weight total, and its
  // gradient into dlogits (if not NULL). In the result, weight is lambda * W_a + (1 -
  // lambda) * W_b and sum = loss * weight (so epoch means weigh batches as compute() does),
  // and correct counts the labels of the larger share (labels_a on a tie). lambda = 1
  // gives compute()'s numbers exactly.
  BatchLoss compute_mixed(const float* logits, const int32_t* labels_a, const int32_t* labels_b,
                          double lambda, int n, float* dlogits) const;

  int num_classes() const { return k_; }

 private:
  // One target of a loss: a label per row and its share of the loss.
  struct Target {
    const int32_t* labels;
    double share;
  };
  // sum_t share_t * CE(targets[t].labels), the one implementation of both computes.
  BatchLoss compute_targets(const float* logits, const Target* targets, int count, int n,
                            float* dlogits, float* probs) const;

  int k_;
  std::vector<float> weights_;  // k entries, all 1 when none were given
  double weight_total_;         // sum of weights_
  float eps_;
};

// Index of the first largest value of row[0..k).
int argmax(const float* row, int k);

}  // namespace kcell::infer
