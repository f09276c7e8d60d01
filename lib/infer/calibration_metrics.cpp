#include "infer/calibration_metrics.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <numeric>
#include <string>

#include "infer/labelled_rows.hpp"

namespace kcell::infer {
namespace {

// Bin b holds ((b - 1) / B, b / B]: a confidence of exactly 1 lands in the last bin, 0 in
// the first (numpy reference: ceil(p · B) - 1 clipped to [0, B - 1]).
int bin_of(double p) {
  const int b = static_cast<int>(std::ceil(p * kCalibrationBins)) - 1;
  return std::clamp(b, 0, kCalibrationBins - 1);
}

// sum over bins of (count / n) · |mean outcome - mean probability|.
double binned_error(const std::array<double, kCalibrationBins>& outcome,
                    const std::array<double, kCalibrationBins>& probability, size_t n) {
  double e = 0.0;
  for (int b = 0; b < kCalibrationBins; ++b)
    e += std::fabs(outcome[b] - probability[b]) / static_cast<double>(n);
  return e;
}

}  // namespace

int top_label(const float* row, int k) {
  int best = 0;
  for (int c = 1; c < k; ++c)
    if (row[c] > row[best]) best = c;
  return best;
}

CalibrationMetrics compute_calibration(const float* probs, const int32_t* labels, size_t n, int k) {
  check_labelled_rows(probs, labels, n, k, "calibration metrics", Status::not_finite);
  const size_t kk = static_cast<size_t>(k);
  CalibrationMetrics m;
  std::vector<double> confidence(n);
  std::vector<uint8_t> correct(n);
  // Sums per bin: outcomes (right answers) and probabilities, for top label and classes.
  std::array<double, kCalibrationBins> hits{}, mass{};
  std::vector<std::array<double, kCalibrationBins>> class_hits(kk), class_mass(kk);
  double nll = 0.0, brier = 0.0;
  for (size_t i = 0; i < n; ++i) {
    const float* row = probs + i * kk;
    const int top = top_label(row, k);
    confidence[i] = row[top];
    correct[i] = top == labels[i];
    const int b = bin_of(confidence[i]);
    m.bins[b].count += 1;
    hits[b] += correct[i];
    mass[b] += confidence[i];
    nll -= std::log(std::max(static_cast<double>(row[labels[i]]), static_cast<double>(FLT_MIN)));
    for (size_t c = 0; c < kk; ++c) {
      const double p = row[c], y = static_cast<size_t>(labels[i]) == c ? 1.0 : 0.0;
      brier += (p - y) * (p - y);
      const int cb = bin_of(p);
      class_hits[c][cb] += y;
      class_mass[c][cb] += p;
    }
  }
  const double count = static_cast<double>(n);
  m.nll = nll / count;
  m.brier = brier / count;
  m.ece = binned_error(hits, mass, n);
  for (size_t c = 0; c < kk; ++c) m.classwise_ece += binned_error(class_hits[c], class_mass[c], n);
  m.classwise_ece /= static_cast<double>(k);
  for (int b = 0; b < kCalibrationBins; ++b)
    if (m.bins[b].count > 0) {
      m.bins[b].confidence = mass[b] / static_cast<double>(m.bins[b].count);
      m.bins[b].accuracy = hits[b] / static_cast<double>(m.bins[b].count);
    }

  // Most confident first; equal confidences keep their order, so the curve is reproducible.
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return confidence[a] > confidence[b]; });
  std::vector<size_t> right_first(n + 1, 0);  // right answers among the first m
  double risk_sum = 0.0;
  for (size_t m_ = 1; m_ <= n; ++m_) {
    right_first[m_] = right_first[m_ - 1] + correct[order[m_ - 1]];
    risk_sum += 1.0 - static_cast<double>(right_first[m_]) / static_cast<double>(m_);
  }
  m.aurc = risk_sum / count;
  for (int j = 0; j < kRiskCoveragePoints; ++j) {
    const double share = static_cast<double>(j + 1) / kRiskCoveragePoints;
    const size_t answered =
        std::clamp<size_t>(static_cast<size_t>(std::ceil(share * count - 1e-9)), 1, n);
    RiskCoveragePoint& p = m.risk_coverage[static_cast<size_t>(j)];
    p.coverage = static_cast<double>(answered) / count;
    p.accuracy = static_cast<double>(right_first[answered]) / static_cast<double>(answered);
    p.threshold = confidence[order[answered - 1]];
  }
  return m;
}

}  // namespace kcell::infer
