// Folding an inference-mode batch norm into the convolution (or dense layer) before it.
#pragma once

#include <vector>

namespace kcell::infer {

// A batch norm at inference: y = gamma (x - mean) / sqrt(var + eps) + beta per channel.
struct BatchNormStats {
  const std::vector<float>& gamma;
  const std::vector<float>& beta;
  const std::vector<float>& mean;
  const std::vector<float>& var;
  float eps;
};

// Rewrites a layer with `weight` (out × anything, row-major) and `bias` (out values, or
// empty for none) so that it computes bn(layer(x)) alone:
//   s = gamma / sqrt(var + eps),  weight'[o] = weight[o] s[o],
//   bias'[o] = (bias[o] - mean[o]) s[o] + beta[o].
// Computed in double and rounded once. The result differs from running both layers only
// in the last bits of float arithmetic.
void fold_batch_norm(std::vector<float>& weight, std::vector<float>& bias,
                     const BatchNormStats& bn);

}  // namespace kcell::infer
