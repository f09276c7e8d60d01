#include "train/optimizer.hpp"

#include <cmath>
#include <string>

#include "common/error.hpp"
#include "train/adam.hpp"
#include "train/sgd.hpp"

namespace kcell::train {
namespace {

void check_range(double value, double low, double high, bool high_open, const char* name) {
  const bool ok =
      std::isfinite(value) && value >= low && (high_open ? value < high : value <= high);
  if (!ok)
    fail(Status::invalid_argument, std::string(name) + " must be in [" + std::to_string(low) +
                                       ", " + std::to_string(high) + (high_open ? ")" : "]") +
                                       ", got " + std::to_string(value));
}

}  // namespace

void check_state_fits(const OptimizerState& state, const OptimizerState& like) {
  if (state.tensors.size() != like.tensors.size())
    fail(Status::invalid_argument,
         "the optimizer state has " + std::to_string(state.tensors.size()) +
             " buffers; this optimizer has " + std::to_string(like.tensors.size()));
  for (size_t i = 0; i < state.tensors.size(); ++i)
    if (state.tensors[i].size() != like.tensors[i].size())
      fail(Status::invalid_argument, "optimizer buffer " + std::to_string(i) + " holds " +
                                         std::to_string(state.tensors[i].size()) +
                                         " values; this optimizer's holds " +
                                         std::to_string(like.tensors[i].size()));
  if (state.steps < 0) fail(Status::invalid_argument, "a negative optimizer step count");
}

float decay_for(const nn::Param& param, const OptimizerConfig& config) {
  const bool decays = param.is_weight || config.decay_bias_and_norm;
  return decays ? static_cast<float>(config.weight_decay) : 0.f;
}

std::unique_ptr<Optimizer> make_optimizer(const OptimizerConfig& config,
                                          std::vector<nn::Param*> params) {
  check_range(config.weight_decay, 0.0, 1e3, false, "weight decay");
  for (const nn::Param* p : params)
    if (p->grad.size() != p->value.size())
      fail(Status::internal, "parameter " + p->name + " has " + std::to_string(p->grad.size()) +
                                 " gradients for " + std::to_string(p->value.size()) + " values");
  switch (config.kind) {
    case OptimizerKind::sgd:
      check_range(config.momentum, 0.0, 1.0, true, "momentum");
      if (config.nesterov && config.momentum <= 0.0)
        fail(Status::invalid_argument, "Nesterov momentum needs a momentum above 0");
      return std::make_unique<Sgd>(config, std::move(params));
    case OptimizerKind::adam:
    case OptimizerKind::adamw:
      check_range(config.beta1, 0.0, 1.0, true, "beta1");
      check_range(config.beta2, 0.0, 1.0, true, "beta2");
      if (!(std::isfinite(config.epsilon) && config.epsilon > 0.0))
        fail(Status::invalid_argument,
             "epsilon must be above 0, got " + std::to_string(config.epsilon));
      return std::make_unique<Adam>(config, std::move(params), config.kind == OptimizerKind::adamw);
  }
  fail(Status::invalid_argument,
       "unknown optimizer " + std::to_string(static_cast<int>(config.kind)));
}

}  // namespace kcell::train
