#include "train/finite.hpp"

#include <cmath>

namespace kcell::train {

bool all_finite(const float* values, size_t count) {
  // x * 0 is 0 for finite x and NaN for NaN or ±inf; summing keeps the loop vectorisable.
  float acc = 0.f;
  const ptrdiff_t n = static_cast<ptrdiff_t>(count);
#pragma omp simd reduction(+ : acc)
  for (ptrdiff_t i = 0; i < n; ++i) acc += values[i] * 0.f;
  return acc == 0.f;
}

bool gradients_finite(const std::vector<nn::Param*>& params) {
  for (const nn::Param* p : params)
    if (!all_finite(p->grad.data(), p->grad.size())) return false;
  return true;
}

bool weights_finite(const std::vector<nn::Param*>& params,
                    const std::vector<nn::Buffer*>& buffers) {
  for (const nn::Param* p : params)
    if (!all_finite(p->value.data(), p->value.size())) return false;
  for (const nn::Buffer* b : buffers)
    if (!all_finite(b->value.data(), b->value.size())) return false;
  return true;
}

}  // namespace kcell::train
