// Split-conformal prediction sets with the LAC score (Sadinle, Lei and Wasserman 2019):
// the score of a labelled row is s = 1 - p[label]; on n calibration rows the quantile q is
// the ceil((n + 1)(1 - alpha))-th smallest score, and the set of an image is every class c
// with 1 - p[c] <= q. For a new image exchangeable with the calibration rows the set holds
// the true class with probability in [1 - alpha, 1 - alpha + 1/(n + 1)) (the upper bound
// when the scores have no ties). LAC rather than APS: LAC's sets are the smallest on
// average among sets with that coverage, they need no randomisation for the guarantee, and
// a set is one threshold on the probabilities that prediction already gives. APS adapts
// better to hard images but its sets are larger (docs/calibration.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "model/model.hpp"

namespace kcell::infer {

// The LAC quantile of n labelled rows of k probabilities at alpha in (0, 1); +infinity
// when (n + 1)(1 - alpha) > n (too few rows for alpha: sets hold every class). Throws
// invalid_argument for n = 0, alpha outside (0, 1), a label outside [0, k) or a non-finite
// probability.
double conformal_quantile(const float* probs, const int32_t* labels, size_t n, int k, double alpha);

// Whether a class of probability p belongs to the set at quantile q (1 - p <= q in double).
inline bool in_conformal_set(float p, double quantile) {
  return 1.0 - static_cast<double>(p) <= quantile;
}

// n × k flags (1: in the set) for n rows of k probabilities.
void conformal_sets(const float* probs, size_t n, int k, double quantile, uint8_t* in_set);

// How the sets of a calibration do on labelled rows.
struct ConformalEvaluation {
  double alpha = 0.0;
  double coverage = 0.0;       // share of rows whose set holds the label
  double mean_set_size = 0.0;  // classes per set
  int64_t empty_sets = 0;      // rows whose set is empty (LAC allows them)
  // Per true class: the share of its rows covered; NaN for a class without rows.
  std::vector<double> per_class_coverage;
};
ConformalEvaluation evaluate_conformal(const float* probs, const int32_t* labels, size_t n, int k,
                                       const model::Conformal& conformal);

}  // namespace kcell::infer
