// Optimisers over the network's parameters, with PyTorch's update formulas (torch 1.13):
// SGD with (Nesterov) momentum, Adam with L2 weight decay added to the gradient, AdamW with
// decoupled weight decay. See sgd.hpp and adam.hpp for the exact formulas.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "nn/network.hpp"

namespace kcell::train {

enum class OptimizerKind { sgd, adam, adamw };

struct OptimizerConfig {
  OptimizerKind kind = OptimizerKind::adam;
  double momentum = 0.9;  // SGD
  bool nesterov = false;  // SGD
  double beta1 = 0.9;     // Adam, AdamW
  double beta2 = 0.999;
  double epsilon = 1e-8;
  double weight_decay = 0.0;
  // Biases and batch-norm scale / shift (Param::is_weight == false) are not decayed unless
  // this is set, as is usual practice (PyTorch users get this with parameter groups).
  bool decay_bias_and_norm = false;
};

// What an optimiser carries from step to step, for checkpoints: its step count and its
// per-element buffers (SGD: one momentum buffer per parameter, or none without momentum;
// Adam: the first moments of every parameter, then the second moments).
struct OptimizerState {
  int64_t steps = 0;
  std::vector<std::vector<float>> tensors;
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  // Updates every parameter from its gradient with learning rate lr. The caller tells the
  // network afterwards (Network::weights_changed).
  virtual void step(double lr) = 0;
  // A copy of the state; restore() puts one back. A restored optimiser continues exactly
  // as the one the state came from. restore() throws Status::invalid_argument, changing
  // nothing, when the tensor count or a size differs from this optimiser's.
  virtual OptimizerState state() const = 0;
  virtual void restore(const OptimizerState& state) = 0;
};

// Checks that `state` has tensors of exactly the sizes of `like` (restore() uses it).
void check_state_fits(const OptimizerState& state, const OptimizerState& like);

// Checks the configuration (throws invalid_argument naming the setting) and makes the
// optimiser. Its state (momentum, moments) starts at zero, as in PyTorch.
std::unique_ptr<Optimizer> make_optimizer(const OptimizerConfig& config,
                                          std::vector<nn::Param*> params);

// The weight decay that applies to one parameter under `config`.
float decay_for(const nn::Param& param, const OptimizerConfig& config);

}  // namespace kcell::train
