// How far probabilities can be taken at their word: expected calibration error (top-label
// and classwise, equal-width bins), negative log-likelihood, Brier score, the reliability
// diagram's bins, and the risk-coverage curve of answering only the most confident images.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace kcell::infer {

// Equal-width confidence bins of the ECE and the reliability diagram (Guo et al. 2017).
constexpr int kCalibrationBins = 15;
// Points of the risk-coverage curve: coverage 1/20, 2/20, ..., 1.
constexpr int kRiskCoveragePoints = 20;

// The images whose top-label confidence lies in ((b - 1) / 15, b / 15] (bin 0 also holds 0).
struct ReliabilityBin {
  int64_t count = 0;
  double confidence = 0.0;  // mean top-label probability; 0 for an empty bin
  double accuracy = 0.0;    // share whose top label is right; 0 for an empty bin
};

// Answering only the `coverage` share of most confident images (ties in input order).
struct RiskCoveragePoint {
  double coverage = 0.0;   // answered / all
  double accuracy = 0.0;   // among the answered
  double threshold = 0.0;  // the smallest confidence answered
};

struct CalibrationMetrics {
  // Top-label ECE: sum over bins of (count / n) · |accuracy - confidence|.
  double ece = 0.0;
  // Classwise ECE (Kull et al. 2019): the mean over classes of the binned |share of the class
  // - mean p[class]| over all images, by p[class]'s bin.
  double classwise_ece = 0.0;
  // Mean -log(max(p[label], FLT_MIN)), as metrics' loss of probabilities.
  double nll = 0.0;
  // Mean over images of sum over classes (p[c] - [c = label])² (Brier 1950; in [0, 2]).
  // For two classes it is twice scikit-learn's brier_score_loss of p[1].
  double brier = 0.0;
  std::array<ReliabilityBin, kCalibrationBins> bins{};
  std::array<RiskCoveragePoint, kRiskCoveragePoints> risk_coverage{};
  // Area under the risk-coverage curve: the mean over m = 1..n of the error rate of the m
  // most confident images (lower is better).
  double aurc = 0.0;
};

// The top-label confidence of a row: its first largest probability (the predicted class).
int top_label(const float* row, int k);

// From n rows of k probabilities and their labels. Throws invalid_argument for n = 0,
// k < 2, NULL pointers or a label outside [0, k), not_finite for a non-finite probability.
// Time O(n·k + n·log n).
CalibrationMetrics compute_calibration(const float* probs, const int32_t* labels, size_t n, int k);

}  // namespace kcell::infer
