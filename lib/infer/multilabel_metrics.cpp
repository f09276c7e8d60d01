#include "infer/multilabel_metrics.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace kcell::infer {
namespace {

double floored_log(double p) { return std::log(std::max(p, static_cast<double>(FLT_MIN))); }

void check_inputs(const float* probs, const int32_t* labels, size_t n, int L) {
  if (n == 0) fail(Status::invalid_argument, "metrics need at least one sample");
  if (L < 1 || L > kMaxMetricClasses)
    fail(Status::invalid_argument, "multi-label metrics need 1 to " +
                                       std::to_string(kMaxMetricClasses) + " labels, got " +
                                       std::to_string(L));
  if (probs == nullptr || labels == nullptr)
    fail(Status::invalid_argument, "metrics: probabilities or labels are NULL");
  const size_t K = static_cast<size_t>(L);
  for (size_t i = 0; i < n * K; ++i) {
    if (labels[i] != 0 && labels[i] != 1)
      fail(Status::invalid_argument, "metrics: label " + std::to_string(i % K) + " of sample " +
                                         std::to_string(i / K) + " is " +
                                         std::to_string(labels[i]) + ", not 0 or 1");
    if (!std::isfinite(probs[i]))
      fail(Status::not_finite, "metrics: the probability of label " + std::to_string(i % K) +
                                   " for sample " + std::to_string(i / K) + " is not finite");
  }
}

}  // namespace

Metrics compute_multilabel_metrics(const float* probs, const int32_t* labels, size_t n, int L) {
  check_inputs(probs, labels, n, L);
  const size_t K = static_cast<size_t>(L);
  Metrics m;
  m.count = n;
  m.num_classes = L;
  m.classes.resize(K);
  double loss = 0.0;
  for (size_t i = 0; i < n * K; ++i) {
    const double p = probs[i];
    loss -= labels[i] == 1 ? floored_log(p) : floored_log(1.0 - p);
  }
  m.loss = loss / (static_cast<double>(n) * static_cast<double>(K));

  std::vector<float> column(n);
  std::vector<uint8_t> truth(n);
  double accuracy = 0.0, balanced = 0.0, f1_sum = 0.0, auc_sum = 0.0;
  int seen = 0;
  for (size_t l = 0; l < K; ++l) {
    int64_t tp = 0, fp = 0, tn = 0, fn = 0;
    for (size_t i = 0; i < n; ++i) {
      column[i] = probs[i * K + l];
      truth[i] = static_cast<uint8_t>(labels[i * K + l] == 1);
      const bool said = column[i] > 0.5f;  // MedMNIST: y_score > threshold
      (truth[i] ? (said ? tp : fn) : (said ? fp : tn)) += 1;
    }
    ClassMetrics& c = m.classes[l];
    c.support = tp + fn;
    c.predicted = tp + fp;
    if (c.predicted > 0) c.precision = static_cast<double>(tp) / static_cast<double>(c.predicted);
    if (c.support > 0) c.recall = static_cast<double>(tp) / static_cast<double>(c.support);
    if (c.precision + c.recall > 0) c.f1 = 2 * c.precision * c.recall / (c.precision + c.recall);
    accuracy += static_cast<double>(tp + tn) / static_cast<double>(n);
    // Balanced accuracy of the label: the mean recall of its classes present.
    const int64_t negatives = tn + fp;
    double recalls = 0.0;
    int present = 0;
    if (c.support > 0) {
      recalls += c.recall;
      ++present;
    }
    if (negatives > 0) {
      recalls += static_cast<double>(tn) / static_cast<double>(negatives);
      ++present;
    }
    balanced += recalls / present;  // present >= 1 since n >= 1
    if (c.support > 0 || c.predicted > 0) {
      f1_sum += c.f1;
      ++seen;
    }
    c.auc = roc_auc(column.data(), truth.data(), n);
    if (!std::isnan(c.auc)) {
      auc_sum += c.auc;
      ++m.auc_classes;
    }
  }
  m.accuracy = accuracy / static_cast<double>(K);
  m.balanced_accuracy = balanced / static_cast<double>(K);
  m.macro_f1 = seen > 0 ? f1_sum / seen : 0.0;
  if (m.auc_classes > 0) m.auc = auc_sum / m.auc_classes;
  return m;
}

}  // namespace kcell::infer
