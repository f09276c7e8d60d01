#include "train/adam.hpp"

#include <cmath>
#include <cstddef>

namespace kcell::train {
namespace {
// Below this many elements a parallel region costs more than it saves.
constexpr ptrdiff_t parallel_min = 1 << 16;
}  // namespace

Adam::Adam(const OptimizerConfig& config, std::vector<nn::Param*> params, bool decoupled)
    : config_(config), decoupled_(decoupled), params_(std::move(params)) {
  for (const nn::Param* p : params_) {
    m_.emplace_back(p->value.size(), 0.f);
    v_.emplace_back(p->value.size(), 0.f);
  }
}

OptimizerState Adam::state() const {
  OptimizerState s;
  s.steps = t_;
  s.tensors = m_;
  s.tensors.insert(s.tensors.end(), v_.begin(), v_.end());
  return s;
}

void Adam::restore(const OptimizerState& s) {
  check_state_fits(s, state());
  const size_t n = m_.size();
  for (size_t k = 0; k < n; ++k) {
    m_[k] = s.tensors[k];
    v_[k] = s.tensors[n + k];
  }
  t_ = s.steps;
}

void Adam::step(double lr) {
  ++t_;
  const double bc1 = 1.0 - std::pow(config_.beta1, static_cast<double>(t_));
  const double bc2 = 1.0 - std::pow(config_.beta2, static_cast<double>(t_));
  const float step_size = static_cast<float>(lr / bc1);
  const float inv_sqrt_bc2 = static_cast<float>(1.0 / std::sqrt(bc2));
  const float b1 = static_cast<float>(config_.beta1), b2 = static_cast<float>(config_.beta2);
  const float a1 = static_cast<float>(1.0 - config_.beta1);
  const float a2 = static_cast<float>(1.0 - config_.beta2);
  const float eps = static_cast<float>(config_.epsilon);

  for (size_t k = 0; k < params_.size(); ++k) {
    nn::Param& param = *params_[k];
    const float decay = decay_for(param, config_);
    const ptrdiff_t n = static_cast<ptrdiff_t>(param.value.size());
    float* __restrict p = param.value.data();
    const float* __restrict g = param.grad.data();
    float* __restrict m = m_[k].data();
    float* __restrict v = v_[k].data();
    // L2 folds into the gradient; decoupled decay shrinks p first (shrink = 1 or l2 = 0).
    const float l2 = decoupled_ ? 0.f : decay;
    const float shrink = decoupled_ ? static_cast<float>(1.0 - lr * decay) : 1.f;
    // Element-wise, so any thread count gives the same bits. Vectorised (the library is
    // built with -fno-math-errno) and bound by memory traffic: 7 floats per element.
#pragma omp parallel for simd if (n >= parallel_min) schedule(static)
    for (ptrdiff_t i = 0; i < n; ++i) {
      const float pi = p[i] * shrink;
      const float gi = g[i] + l2 * pi;
      m[i] = b1 * m[i] + a1 * gi;
      v[i] = b2 * v[i] + a2 * gi * gi;
      p[i] = pi - step_size * m[i] / (std::sqrt(v[i]) * inv_sqrt_bc2 + eps);
    }
  }
}

}  // namespace kcell::train
