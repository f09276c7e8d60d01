#include "train/prior_shift.hpp"

#include <algorithm>
#include <cmath>

namespace kcell::train {

double class_priors_p_value(const std::vector<size_t>& a, const std::vector<size_t>& b) {
  const size_t k = std::min(a.size(), b.size());
  double total_a = 0.0, total_b = 0.0;
  for (size_t c = 0; c < k; ++c) {
    total_a += static_cast<double>(a[c]);
    total_b += static_cast<double>(b[c]);
  }
  if (total_a == 0.0 || total_b == 0.0) return 1.0;
  const double total = total_a + total_b;
  double chi2 = 0.0;
  int classes = 0;
  for (size_t c = 0; c < k; ++c) {
    const double column = static_cast<double>(a[c] + b[c]);
    if (column == 0.0) continue;
    ++classes;
    const double expected_a = column * total_a / total, expected_b = column * total_b / total;
    const double da = static_cast<double>(a[c]) - expected_a;
    const double db = static_cast<double>(b[c]) - expected_b;
    chi2 += da * da / expected_a + db * db / expected_b;
  }
  if (classes < 2) return 1.0;
  // (chi2 / df)^(1/3) is close to normal with mean 1 - 2/(9 df) and variance 2/(9 df).
  const double df = classes - 1, v = 2.0 / (9.0 * df);
  const double z = (std::cbrt(chi2 / df) - (1.0 - v)) / std::sqrt(v);
  return 0.5 * std::erfc(z / std::sqrt(2.0));
}

}  // namespace kcell::train
