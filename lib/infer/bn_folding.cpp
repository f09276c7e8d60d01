#include "infer/bn_folding.hpp"

#include <cmath>
#include <string>

#include "common/error.hpp"

namespace kcell::infer {

void fold_batch_norm(std::vector<float>& weight, std::vector<float>& bias,
                     const BatchNormStats& bn) {
  const size_t out = bn.gamma.size();
  if (out == 0 || bn.beta.size() != out || bn.mean.size() != out || bn.var.size() != out ||
      weight.size() % out != 0 || (!bias.empty() && bias.size() != out))
    fail(Status::internal,
         "batch norm of " + std::to_string(out) + " channels does not fit the layer it follows");
  if (bias.empty()) bias.assign(out, 0.f);
  const size_t per_output = weight.size() / out;
  for (size_t o = 0; o < out; ++o) {
    const double s = static_cast<double>(bn.gamma[o]) /
                     std::sqrt(static_cast<double>(bn.var[o]) + static_cast<double>(bn.eps));
    float* w = weight.data() + o * per_output;
    for (size_t i = 0; i < per_output; ++i) w[i] = static_cast<float>(w[i] * s);
    bias[o] = static_cast<float>((static_cast<double>(bias[o]) - bn.mean[o]) * s + bn.beta[o]);
  }
}

}  // namespace kcell::infer
