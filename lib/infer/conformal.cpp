#include "infer/conformal.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "infer/labelled_rows.hpp"

namespace kcell::infer {

double conformal_quantile(const float* probs, const int32_t* labels, size_t n, int k,
                          double alpha) {
  if (!(alpha > 0.0 && alpha < 1.0))
    fail(Status::invalid_argument,
         "a conformal alpha must lie in (0, 1), got " + std::to_string(alpha));
  check_labelled_rows(probs, labels, n, k, "conformal calibration", Status::invalid_argument);
  // rank = ceil((n + 1)(1 - alpha)), computed so that exact products (n + 1 = 20, alpha =
  // 0.05) are not pushed up by rounding.
  const double exact = (static_cast<double>(n) + 1.0) * (1.0 - alpha);
  const size_t rank = static_cast<size_t>(std::ceil(exact - 1e-9 * exact));
  if (rank > n) return std::numeric_limits<double>::infinity();
  std::vector<double> scores(n);
  for (size_t i = 0; i < n; ++i)
    scores[i] = 1.0 - static_cast<double>(
                          probs[i * static_cast<size_t>(k) + static_cast<size_t>(labels[i])]);
  const size_t index = std::max<size_t>(rank, 1) - 1;
  std::nth_element(scores.begin(), scores.begin() + static_cast<ptrdiff_t>(index), scores.end());
  return scores[index];
}

void conformal_sets(const float* probs, size_t n, int k, double quantile, uint8_t* in_set) {
  const size_t cells = n * static_cast<size_t>(k);
  for (size_t i = 0; i < cells; ++i) in_set[i] = in_conformal_set(probs[i], quantile) ? 1 : 0;
}

ConformalEvaluation evaluate_conformal(const float* probs, const int32_t* labels, size_t n, int k,
                                       const model::Conformal& conformal) {
  check_labelled_rows(probs, labels, n, k, "conformal calibration", Status::invalid_argument);
  const size_t kk = static_cast<size_t>(k);
  ConformalEvaluation e;
  e.alpha = conformal.alpha;
  std::vector<double> covered(kk, 0.0), rows(kk, 0.0);
  double hits = 0.0, sizes = 0.0;
  for (size_t i = 0; i < n; ++i) {
    size_t size = 0;
    for (size_t c = 0; c < kk; ++c) size += in_conformal_set(probs[i * kk + c], conformal.quantile);
    const size_t y = static_cast<size_t>(labels[i]);
    const bool hit = in_conformal_set(probs[i * kk + y], conformal.quantile);
    hits += hit;
    covered[y] += hit;
    rows[y] += 1.0;
    sizes += static_cast<double>(size);
    e.empty_sets += size == 0;
  }
  e.coverage = hits / static_cast<double>(n);
  e.mean_set_size = sizes / static_cast<double>(n);
  e.per_class_coverage.resize(kk);
  for (size_t c = 0; c < kk; ++c)
    e.per_class_coverage[c] =
        rows[c] > 0 ? covered[c] / rows[c] : std::numeric_limits<double>::quiet_NaN();
  return e;
}

}  // namespace kcell::infer
