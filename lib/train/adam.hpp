// Adam and AdamW as torch.optim.Adam / AdamW (amsgrad off). Per element, at step t
// (1-based), with d = decay_for(param):
//   Adam:  g = grad + d * p              AdamW: g = grad, and first p = p * (1 - lr * d)
//   m = beta1 * m + (1 - beta1) * g
//   v = beta2 * v + (1 - beta2) * g * g
//   p = p - (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + epsilon)
#pragma once

#include <cstdint>
#include <vector>

#include "train/optimizer.hpp"

namespace kcell::train {

class Adam final : public Optimizer {
 public:
  // decoupled: AdamW's weight decay instead of Adam's L2 term.
  Adam(const OptimizerConfig& config, std::vector<nn::Param*> params, bool decoupled);
  void step(double lr) override;
  OptimizerState state() const override;
  void restore(const OptimizerState& state) override;

 private:
  OptimizerConfig config_;
  bool decoupled_;
  std::vector<nn::Param*> params_;
  std::vector<std::vector<float>> m_, v_;  // first and second moments per parameter
  int64_t t_ = 0;
};

}  // namespace kcell::train
