// The ResNet basic block (He et al. 2016, as in torchvision / the CIFAR ResNets):
//   y = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))
// conv1 3×3 with the block's stride, conv2 3×3 stride 1, both padded 1 and without bias.
// The shortcut is the identity, or bn(conv 1×1 with the stride, no bias) when the stride is
// not 1 or the channel count changes.
//
// Parameter names under the prefix P (e.g. "3.block"): P.conv1.weight, P.bn1.{weight,bias,
// running_mean,running_var}, P.conv2.weight, P.bn2.*, and with a projection
// P.shortcut.conv.weight, P.shortcut.bn.*.
#pragma once

#include <memory>
#include <string>

#include "nn/batch_norm_layer.hpp"
#include "nn/conv_layer.hpp"
#include "nn/layer.hpp"

namespace kcell::nn {

class BasicBlockLayer : public Layer {
 public:
  BasicBlockLayer(const std::string& name, Shape in, int64_t out_channels, int64_t stride,
                  SplitMix64& rng);
  Shape out_shape() const override { return conv2_->out_shape(); }
  std::unique_ptr<LayerPlan> make_plan(const PlanContext& ctx, const dnnl::memory& src) override;
  void collect(std::vector<Param*>& params, std::vector<Buffer*>& buffers) override;

  // Its tensors by part; the shortcut's are null for an identity shortcut.
  struct Tensors {
    WeightTensors conv1, conv2, shortcut_conv;
    BatchNormTensors bn1, bn2, shortcut_bn;
    bool projection = false;
  };
  Tensors tensors() const;

 private:
  friend class BasicBlockPlan;
  std::unique_ptr<ConvLayer> conv1_, conv2_, proj_conv_;
  std::unique_ptr<BatchNormLayer> bn1_, bn2_, proj_bn_;
};

}  // namespace kcell::nn
