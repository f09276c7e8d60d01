#include "train/sgd.hpp"

#include <cstddef>

namespace kcell::train {
namespace {
// Below this many elements a parallel region costs more than it saves. The loops are
// element-wise, so any thread count gives the same bits.
constexpr ptrdiff_t parallel_min = 1 << 16;
}  // namespace

Sgd::Sgd(const OptimizerConfig& config, std::vector<nn::Param*> params)
    : config_(config), params_(std::move(params)) {
  if (config_.momentum > 0.0)
    for (const nn::Param* p : params_) momentum_.emplace_back(p->value.size(), 0.f);
}

OptimizerState Sgd::state() const {
  OptimizerState s;
  s.steps = steps_;
  s.tensors = momentum_;
  return s;
}

void Sgd::restore(const OptimizerState& s) {
  check_state_fits(s, state());
  momentum_ = s.tensors;
  steps_ = s.steps;
}

void Sgd::step(double lr) {
  ++steps_;
  const float rate = static_cast<float>(lr);
  const float mu = static_cast<float>(config_.momentum);
  for (size_t k = 0; k < params_.size(); ++k) {
    nn::Param& param = *params_[k];
    const float decay = decay_for(param, config_);
    const ptrdiff_t n = static_cast<ptrdiff_t>(param.value.size());
    float* __restrict p = param.value.data();
    const float* __restrict g = param.grad.data();
    if (momentum_.empty()) {
#pragma omp parallel for simd if (n >= parallel_min) schedule(static)
      for (ptrdiff_t i = 0; i < n; ++i) p[i] -= rate * (g[i] + decay * p[i]);
      continue;
    }
    float* __restrict b = momentum_[k].data();
    // b starts at 0, so the first step sets b = g exactly as PyTorch's clone does.
    if (config_.nesterov) {
#pragma omp parallel for simd if (n >= parallel_min) schedule(static)
      for (ptrdiff_t i = 0; i < n; ++i) {
        const float gi = g[i] + decay * p[i];
        b[i] = mu * b[i] + gi;
        p[i] -= rate * (gi + mu * b[i]);
      }
    } else {
#pragma omp parallel for simd if (n >= parallel_min) schedule(static)
      for (ptrdiff_t i = 0; i < n; ++i) {
        const float gi = g[i] + decay * p[i];
        b[i] = mu * b[i] + gi;
        p[i] -= rate * b[i];
      }
    }
  }
}

}  // namespace kcell::train
