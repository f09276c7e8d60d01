// SGD as torch.optim.SGD (dampening 0). Per element, with d = decay_for(param):
//   g = grad + d * p
//   momentum > 0: b = momentum * b + g   (b starts at 0, so b = g on the first step)
//                 g = nesterov ? g + momentum * b : b
//   p = p - lr * g
#pragma once

#include <cstdint>
#include <vector>

#include "train/optimizer.hpp"

namespace kcell::train {

class Sgd final : public Optimizer {
 public:
  Sgd(const OptimizerConfig& config, std::vector<nn::Param*> params);
  void step(double lr) override;
  OptimizerState state() const override;
  void restore(const OptimizerState& state) override;

 private:
  OptimizerConfig config_;
  std::vector<nn::Param*> params_;
  std::vector<std::vector<float>> momentum_;  // one buffer per parameter
  int64_t steps_ = 0;  // not needed by the update; kept so checkpoints can be checked
};

}  // namespace kcell::train
