// Batch normalisation over channels (images) or features (flat input), optionally with the
// following ReLU fused in. Training normalises with the batch statistics and updates the
// running ones as PyTorch's BatchNorm does (momentum 0.1, running variance from the
// unbiased batch variance); inference normalises with the running statistics. eps 1e-5.
#pragma once

#include <string>

#include "nn/layer.hpp"

namespace kcell::nn {

class BatchNormLayer : public Layer {
 public:
  static constexpr float kEps = 1e-5f;
  static constexpr double kMomentum = 0.1;

  // name: prefix, e.g. "1.bn" gives params "1.bn.weight" (scale, initialised 1) and
  // "1.bn.bias" (shift, 0), buffers "1.bn.running_mean" (0) and "1.bn.running_var" (1).
  // fused_relu: the output is relu(bn(x)) (a following ReLU layer becomes a passthrough).
  BatchNormLayer(const std::string& name, Shape in, bool fused_relu);
  Shape out_shape() const override { return shape_; }
  std::unique_ptr<LayerPlan> make_plan(const PlanContext& ctx, const dnnl::memory& src) override;
  void collect(std::vector<Param*>& params, std::vector<Buffer*>& buffers) override;
  BatchNormTensors tensors() const { return {&scale_, &shift_, &running_mean_, &running_var_}; }

 private:
  friend class BatchNormPlan;
  std::string name_;
  Shape shape_;
  bool fused_relu_;
  Param scale_, shift_;
  Buffer running_mean_, running_var_;
};

}  // namespace kcell::nn
