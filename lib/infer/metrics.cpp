#include "infer/metrics.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <string>

#include "common/error.hpp"

namespace kcell::infer {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Pair counts below stay exact in 64 bits up to this many samples (n²/2 < 2⁶³).
constexpr size_t kMaxSamples = size_t{1} << 31;

struct Scored {
  float score;
  uint8_t positive;
};

// AUC by sorting once: walking up the scores, each group of equal scores with p positives
// and q negatives beats every negative below it and ties with its own q negatives, so
// 2·(pairs won) = Σ p·(2·negatives_below + q), counted exactly in integers.
double auc_of(std::vector<Scored>& items) {
  std::sort(items.begin(), items.end(),
            [](const Scored& a, const Scored& b) { return a.score < b.score; });
  uint64_t twice_won = 0, negatives_below = 0, positives = 0;
  for (size_t i = 0; i < items.size();) {
    uint64_t p = 0, q = 0;
    const float score = items[i].score;
    for (; i < items.size() && items[i].score == score; ++i) (items[i].positive ? p : q) += 1;
    twice_won += p * (2 * negatives_below + q);
    negatives_below += q;
    positives += p;
  }
  const uint64_t negatives = negatives_below;
  if (positives == 0 || negatives == 0) return kNaN;
  return static_cast<double>(twice_won) /
         (2.0 * static_cast<double>(positives) * static_cast<double>(negatives));
}

void check_shape(size_t n, int k) {
  if (n == 0) fail(Status::invalid_argument, "metrics need at least one sample");
  if (n >= kMaxSamples)
    fail(Status::limit, "metrics support fewer than 2^31 samples, got " + std::to_string(n));
  if (k < 2 || k > kMaxMetricClasses)
    fail(Status::invalid_argument, "metrics need 2 to " + std::to_string(kMaxMetricClasses) +
                                       " classes, got " + std::to_string(k));
}

void check_batch(const float* probs, const int32_t* labels, size_t n, int k, const float* losses,
                 size_t first_index) {
  if (probs == nullptr || labels == nullptr)
    fail(Status::invalid_argument, "metrics: probabilities or labels are NULL");
  for (size_t i = 0; i < n; ++i) {
    const std::string sample = "sample " + std::to_string(first_index + i);
    if (labels[i] < 0 || labels[i] >= k)
      fail(Status::invalid_argument, "metrics: label " + std::to_string(labels[i]) + " of " +
                                         sample + " is outside 0.." + std::to_string(k - 1));
    for (int c = 0; c < k; ++c)
      if (!std::isfinite(probs[i * static_cast<size_t>(k) + static_cast<size_t>(c)]))
        fail(Status::not_finite, "metrics: the probability of class " + std::to_string(c) +
                                     " for " + sample + " is not finite");
    if (losses != nullptr && !std::isfinite(losses[i]))
      fail(Status::not_finite, "metrics: the loss of " + sample + " is not finite");
  }
}

double sample_loss(const float* row, int32_t label, const float* losses, size_t i) {
  if (losses != nullptr) return losses[i];
  return -std::log(std::max(static_cast<double>(row[label]), static_cast<double>(FLT_MIN)));
}

int first_argmax(const float* row, int k) {
  int best = 0;
  for (int c = 1; c < k; ++c)
    if (row[c] > row[best]) best = c;
  return best;
}

// Everything but the loss, from validated inputs.
Metrics compute_validated(const float* probs, const int32_t* labels, size_t n, int k,
                          double loss_sum) {
  const size_t K = static_cast<size_t>(k);
  Metrics m;
  m.count = n;
  m.num_classes = k;
  m.loss = loss_sum / static_cast<double>(n);
  m.confusion.assign(K * K, 0);
  m.classes.resize(K);

  int64_t correct = 0;
  for (size_t i = 0; i < n; ++i) {
    const int predicted = first_argmax(probs + i * K, k);
    m.confusion[static_cast<size_t>(labels[i]) * K + static_cast<size_t>(predicted)] += 1;
    correct += predicted == labels[i];
  }
  m.accuracy = static_cast<double>(correct) / static_cast<double>(n);

  double recall_sum = 0.0, f1_sum = 0.0;
  int present = 0, seen = 0;
  for (size_t c = 0; c < K; ++c) {
    ClassMetrics& cm = m.classes[c];
    for (size_t o = 0; o < K; ++o) {
      cm.support += m.confusion[c * K + o];
      cm.predicted += m.confusion[o * K + c];
    }
    const double hits = static_cast<double>(m.confusion[c * K + c]);
    if (cm.predicted > 0) cm.precision = hits / static_cast<double>(cm.predicted);
    if (cm.support > 0) cm.recall = hits / static_cast<double>(cm.support);
    if (cm.precision + cm.recall > 0)
      cm.f1 = 2 * cm.precision * cm.recall / (cm.precision + cm.recall);
    if (cm.support > 0) {
      recall_sum += cm.recall;
      ++present;
    }
    if (cm.support > 0 || cm.predicted > 0) {
      f1_sum += cm.f1;
      ++seen;
    }
  }
  m.balanced_accuracy = recall_sum / present;  // present ≥ 1 since n ≥ 1
  m.macro_f1 = f1_sum / seen;

  std::vector<Scored> column(n);
  double auc_sum = 0.0;
  for (size_t c = 0; c < K; ++c) {
    for (size_t i = 0; i < n; ++i)
      column[i] =
          Scored{probs[i * K + c], static_cast<uint8_t>(labels[i] == static_cast<int32_t>(c))};
    m.classes[c].auc = auc_of(column);
    if (!std::isnan(m.classes[c].auc)) {
      auc_sum += m.classes[c].auc;
      ++m.auc_classes;
    }
  }
  if (k == 2) {  // MedMNIST's binary-class rule: the score of class 1 alone
    m.auc = m.classes[1].auc;
  } else if (m.auc_classes > 0) {
    m.auc = auc_sum / m.auc_classes;
  }
  return m;
}

}  // namespace

double roc_auc(const float* scores, const uint8_t* positive, size_t n) {
  if (n > 0 && (scores == nullptr || positive == nullptr))
    fail(Status::invalid_argument, "roc_auc: scores or truth are NULL");
  if (n >= kMaxSamples) fail(Status::limit, "roc_auc supports fewer than 2^31 samples");
  std::vector<Scored> items(n);
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(scores[i]))
      fail(Status::not_finite, "roc_auc: score " + std::to_string(i) + " is not finite");
    items[i] = Scored{scores[i], static_cast<uint8_t>(positive[i] != 0)};
  }
  return auc_of(items);
}

Metrics compute_metrics(const float* probs, const int32_t* labels, size_t n, int k,
                        const float* losses) {
  check_shape(n, k);
  check_batch(probs, labels, n, k, losses, 0);
  double loss_sum = 0.0;
  for (size_t i = 0; i < n; ++i)
    loss_sum += sample_loss(probs + i * static_cast<size_t>(k), labels[i], losses, i);
  return compute_validated(probs, labels, n, k, loss_sum);
}

MetricsAccumulator::MetricsAccumulator(int num_classes) : k_(num_classes) {
  check_shape(1, num_classes);
}

void MetricsAccumulator::add(const float* probs, const int32_t* labels, size_t n,
                             const float* losses) {
  if (n == 0) return;
  if (n >= kMaxSamples - labels_.size())
    fail(Status::limit, "metrics support fewer than 2^31 samples");
  check_batch(probs, labels, n, k_, losses, labels_.size());
  const size_t K = static_cast<size_t>(k_);
  for (size_t i = 0; i < n; ++i) loss_sum_ += sample_loss(probs + i * K, labels[i], losses, i);
  probs_.insert(probs_.end(), probs, probs + n * K);
  labels_.insert(labels_.end(), labels, labels + n);
}

Metrics MetricsAccumulator::compute() const {
  check_shape(labels_.size(), k_);
  return compute_validated(probs_.data(), labels_.data(), labels_.size(), k_, loss_sum_);
}

void MetricsAccumulator::clear() {
  probs_.clear();
  labels_.clear();
  loss_sum_ = 0.0;
}

}  // namespace kcell::infer
