// Classification metrics from softmax probabilities and labels: accuracy, balanced
// accuracy, MedMNIST's macro one-vs-rest ROC AUC, confusion matrix, per-class precision /
// recall / F1 / support, and mean loss. Checked against numpy in tests/fixtures/metrics.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace kcell::infer {

struct ClassMetrics {
  int64_t support = 0;     // samples whose label is this class
  int64_t predicted = 0;   // samples predicted as this class
  double precision = 0.0;  // 0 when the class is never predicted (scikit-learn's default)
  double recall = 0.0;     // 0 when the class has no samples
  double f1 = 0.0;         // 0 when precision + recall is 0
  // One-vs-rest ROC AUC of this class's probability; NaN when the labels hold no sample
  // of the class, or only samples of it (the AUC is undefined there).
  double auc = std::numeric_limits<double>::quiet_NaN();
};

struct Metrics {
  size_t count = 0;
  int num_classes = 0;
  double loss = 0.0;      // mean per-sample loss
  double accuracy = 0.0;  // predicted = first largest probability of the row
  // Mean recall over the classes present in the labels (scikit-learn's
  // balanced_accuracy_score).
  double balanced_accuracy = 0.0;
  // Mean F1 over the classes that occur in the labels or the predictions (scikit-learn's
  // f1_score(average="macro")).
  double macro_f1 = 0.0;
  // MedMNIST's AUC: for 2 classes the AUC of class 1's probability; otherwise the mean of
  // the per-class one-vs-rest AUCs over the classes where it is defined (MedMNIST, through
  // scikit-learn, would fail on an absent class). NaN when no class has one.
  double auc = std::numeric_limits<double>::quiet_NaN();
  int auc_classes = 0;             // how many classes the AUC mean covers
  std::vector<int64_t> confusion;  // num_classes², row-major: [true class][predicted class]
  std::vector<ClassMetrics> classes;

  int64_t confusion_at(int truth, int predicted) const {
    return confusion[static_cast<size_t>(truth) * static_cast<size_t>(num_classes) +
                     static_cast<size_t>(predicted)];
  }
};

// Largest class count the metrics accept (the confusion matrix is num_classes²).
constexpr int kMaxMetricClasses = 4096;

// probs: n × k rows (softmax probabilities, or any scores: only their order matters for
// AUC). labels: n values in [0, k). losses: n per-sample losses, or nullptr to use
// -log(max(p[label], FLT_MIN)), i.e. cross-entropy of the given probabilities with an
// impossible label costing about 87.3 instead of infinity. Throws invalid_argument for
// n = 0, k outside 2..kMaxMetricClasses or a label out of range, not_finite for a NaN or
// infinite probability or loss, limit for n ≥ 2³¹. Time O(k·n·log n), memory O(n + k²).
Metrics compute_metrics(const float* probs, const int32_t* labels, size_t n, int k,
                        const float* losses = nullptr);

// ROC AUC of scores against binary truth (non-zero = positive): the probability that a
// random positive scores above a random negative, ties counting half (scikit-learn's
// roc_auc_score). NaN when there are no positives or no negatives. Scores must be finite.
double roc_auc(const float* scores, const uint8_t* positive, size_t n);

// Collects batches for metrics over a whole split; compute() equals compute_metrics() on
// the concatenation. Keeps every probability row (AUC needs them all): n × k floats.
class MetricsAccumulator {
 public:
  explicit MetricsAccumulator(int num_classes);

  // Validates and copies one batch; losses as in compute_metrics (nullptr: from probs).
  void add(const float* probs, const int32_t* labels, size_t n, const float* losses = nullptr);

  size_t count() const { return labels_.size(); }
  Metrics compute() const;
  void clear();

 private:
  int k_;
  std::vector<float> probs_;
  std::vector<int32_t> labels_;
  double loss_sum_ = 0.0;  // summed in sample order, as compute_metrics does
};

}  // namespace kcell::infer
