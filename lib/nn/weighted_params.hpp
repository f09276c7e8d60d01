// What convolution and dense layers share: a weight and an optional bias (initialised as
// PyTorch does), and the memory their primitives read them through and write their
// gradients to. A layer owns a WeightAndBias, its plan a WeightBindings.
#pragma once

#include <cstdint>
#include <dnnl.hpp>
#include <string>
#include <vector>

#include "common/rng.hpp"
#include "nn/layer.hpp"
#include "nn/param_memory.hpp"

namespace kcell::nn {

struct WeightAndBias {
  Param weight, bias;
  bool has_bias = false;

  WeightAndBias() = default;
  // "<name>.weight" of `shape` and, when `with_bias`, "<name>.bias" of (shape[0]); both
  // U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in the product of shape[1:] (PyTorch's
  // Conv2d and Linear), the weight drawn first.
  WeightAndBias(const std::string& name, std::vector<int64_t> shape, bool with_bias,
                SplitMix64& rng);
  void collect(std::vector<Param*>& params);
  WeightTensors tensors() const { return {&weight, has_bias ? &bias : nullptr}; }
};

class WeightBindings {
 public:
  // Forward: the weight packed in `layout` (from the plain `plain` one), the bias in place.
  void bind_forward(const dnnl::engine& eng, const dnnl::memory::desc& plain,
                    const dnnl::memory::desc& layout, WeightAndBias& p);
  const dnnl::memory& weights() const { return weights_.memory(); }
  const dnnl::memory& bias() const { return bias_.memory(); }
  // Before each forward: repacks the weight if it changed (version), rebinds the bias.
  void before_forward(dnnl::stream& s, uint64_t version);

  // Backward weights: the weight gradient as the primitive produces it (`layout`), the
  // bias gradient in place.
  void bind_gradients(const dnnl::engine& eng, const dnnl::memory::desc& plain,
                      const dnnl::memory::desc& layout, WeightAndBias& p);
  const dnnl::memory& diff_weights() const { return diff_weights_.memory(); }
  const dnnl::memory& diff_bias() const { return diff_bias_.memory(); }
  void before_backward_weights();
  void after_backward_weights(dnnl::stream& s);  // unpacks the weight gradient

  // Backward data: the weight in `layout`, the forward's memory when it is the same
  // layout (the usual case). Returns the memory to bind.
  const dnnl::memory& bind_backward_data(const dnnl::engine& eng, const dnnl::memory::desc& plain,
                                         const dnnl::memory::desc& layout,
                                         const dnnl::memory::desc& forward_layout,
                                         WeightAndBias& p);
  void before_backward_data(dnnl::stream& s, uint64_t version);

 private:
  bool has_bias_ = false;
  PackedWeights weights_, bd_weights_;
  bool bd_weights_shared_ = false;
  PlainVector bias_, diff_bias_;
  GradSink diff_weights_;
};

}  // namespace kcell::nn
