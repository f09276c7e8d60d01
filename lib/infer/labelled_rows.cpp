#include "infer/labelled_rows.hpp"

#include <cmath>

namespace kcell::infer {

void check_labelled_rows(const float* rows, const int32_t* labels, size_t n, int k,
                         const std::string& what, Status not_finite) {
  if (n == 0 || k < 2)
    fail(Status::invalid_argument, what + " needs at least one labelled row of 2 or more classes");
  if (rows == nullptr || labels == nullptr)
    fail(Status::invalid_argument, what + ": the rows or the labels are NULL");
  const size_t kk = static_cast<size_t>(k);
  for (size_t i = 0; i < n; ++i) {
    if (labels[i] < 0 || labels[i] >= k)
      fail(Status::invalid_argument, what + ": label " + std::to_string(labels[i]) + " of row " +
                                         std::to_string(i) + " is outside 0.." +
                                         std::to_string(k - 1));
    for (size_t c = 0; c < kk; ++c)
      if (!std::isfinite(rows[i * kk + c]))
        fail(not_finite, what + ": row " + std::to_string(i) + " is not finite");
  }
}

}  // namespace kcell::infer
