// The argument checks the calibration fits and metrics share: n labelled rows of k values
// (probabilities or logits).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/error.hpp"

namespace kcell::infer {

// Throws invalid_argument "<what> needs ..." for n = 0, k < 2 or NULL pointers, "<what>: label
// L of row i is outside 0..k-1" for a bad label, and `not_finite` "<what>: row i is not
// finite" for a NaN or infinite value.
void check_labelled_rows(const float* rows, const int32_t* labels, size_t n, int k,
                         const std::string& what, Status not_finite);

}  // namespace kcell::infer
