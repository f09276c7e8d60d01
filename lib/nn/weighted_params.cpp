#include "nn/weighted_params.hpp"

#include <cmath>
#include <utility>

namespace kcell::nn {

WeightAndBias::WeightAndBias(const std::string& name, std::vector<int64_t> shape, bool with_bias,
                             SplitMix64& rng)
    : has_bias(with_bias) {
  int64_t fan_in = 1;
  for (size_t i = 1; i < shape.size(); ++i) fan_in *= shape[i];
  const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
  const int64_t out = shape[0];
  weight.name = name + ".weight";
  weight.shape = std::move(shape);
  weight.value.resize(static_cast<size_t>(out * fan_in));
  weight.grad.assign(weight.value.size(), 0.f);
  weight.is_weight = true;
  fill_uniform(weight.value, bound, rng);
  if (with_bias) {
    bias.name = name + ".bias";
    bias.shape = {out};
    bias.value.resize(static_cast<size_t>(out));
    bias.grad.assign(bias.value.size(), 0.f);
    bias.is_weight = false;
    fill_uniform(bias.value, bound, rng);
  }
}

void WeightAndBias::collect(std::vector<Param*>& params) {
  params.push_back(&weight);
  if (has_bias) params.push_back(&bias);
}

void WeightBindings::bind_forward(const dnnl::engine& eng, const dnnl::memory::desc& plain,
                                  const dnnl::memory::desc& layout, WeightAndBias& p) {
  has_bias_ = p.has_bias;
  weights_ = PackedWeights(eng, plain, layout, p.weight);
  if (has_bias_) bias_ = PlainVector(eng, p.bias.value);
}

void WeightBindings::before_forward(dnnl::stream& s, uint64_t version) {
  weights_.refresh(s, version);
  if (has_bias_) bias_.bind();
}

void WeightBindings::bind_gradients(const dnnl::engine& eng, const dnnl::memory::desc& plain,
                                    const dnnl::memory::desc& layout, WeightAndBias& p) {
  diff_weights_ = GradSink(eng, plain, layout, p.weight);
  if (has_bias_) diff_bias_ = PlainVector(eng, p.bias.grad);
}

void WeightBindings::before_backward_weights() {
  diff_weights_.prepare();
  if (has_bias_) diff_bias_.bind();
}

void WeightBindings::after_backward_weights(dnnl::stream& s) { diff_weights_.finish(s); }

const dnnl::memory& WeightBindings::bind_backward_data(const dnnl::engine& eng,
                                                       const dnnl::memory::desc& plain,
                                                       const dnnl::memory::desc& layout,
                                                       const dnnl::memory::desc& forward_layout,
                                                       WeightAndBias& p) {
  bd_weights_shared_ = layout == forward_layout;
  if (bd_weights_shared_) return weights_.memory();
  bd_weights_ = PackedWeights(eng, plain, layout, p.weight);
  return bd_weights_.memory();
}

void WeightBindings::before_backward_data(dnnl::stream& s, uint64_t version) {
  if (!bd_weights_shared_) bd_weights_.refresh(s, version);
}

}  // namespace kcell::nn
