// Dense (fully connected) layer: weight (out, in), bias (out), y = x W^T + b.
// An image input (c × h × w) is flattened in c, h, w order without moving data (the
// primitive reads it in its own layout), so the weight matches PyTorch's flatten + Linear.
#pragma once

#include <string>

#include "common/rng.hpp"
#include "nn/layer.hpp"
#include "nn/weighted_params.hpp"

namespace kcell::nn {

class DenseLayer : public Layer {
 public:
  // name: prefix, e.g. "9.dense" gives "9.dense.weight" and "9.dense.bias". Initialised as
  // PyTorch's Linear.reset_parameters: weight and bias U(-1/sqrt(in), 1/sqrt(in)).
  DenseLayer(const std::string& name, Shape in, int64_t units, bool bias, SplitMix64& rng);
  Shape out_shape() const override { return Shape{units_, 1, 1, true}; }
  std::unique_ptr<LayerPlan> make_plan(const PlanContext& ctx, const dnnl::memory& src) override;
  void collect(std::vector<Param*>& params, std::vector<Buffer*>& buffers) override;
  WeightTensors tensors() const { return params_.tensors(); }

 private:
  friend class DensePlan;
  Shape in_;
  int64_t units_;
  WeightAndBias params_;
};

}  // namespace kcell::nn
