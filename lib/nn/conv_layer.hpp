// 2-D convolution: weight (out, in, k, k), optional bias (out). Square kernel, equal
// stride and zero padding on both axes; output size floor((in + 2 pad - k) / stride) + 1,
// as PyTorch's Conv2d.
#pragma once

#include <string>

#include "common/rng.hpp"
#include "nn/layer.hpp"
#include "nn/weighted_params.hpp"

namespace kcell::nn {

struct ConvGeometry {
  int64_t out = 0, kernel = 0, stride = 1, pad = 0;
  bool bias = true;
};

class ConvLayer : public Layer {
 public:
  // name: the parameter prefix, e.g. "0.conv" gives "0.conv.weight" and "0.conv.bias".
  // Initialised as PyTorch's Conv2d.reset_parameters: weight kaiming_uniform(a = sqrt(5)),
  // i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = in * k * k; bias the same bound.
  ConvLayer(const std::string& name, Shape in, ConvGeometry g, SplitMix64& rng);
  Shape out_shape() const override { return out_; }
  std::unique_ptr<LayerPlan> make_plan(const PlanContext& ctx, const dnnl::memory& src) override;
  void collect(std::vector<Param*>& params, std::vector<Buffer*>& buffers) override;
  WeightTensors tensors() const { return params_.tensors(); }

 private:
  friend class ConvPlan;
  Shape in_, out_;
  ConvGeometry g_;
  WeightAndBias params_;
};

}  // namespace kcell::nn
