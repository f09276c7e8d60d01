// Max and average pooling over square windows without padding (output size
// floor((in - k) / stride) + 1, PyTorch's default floor mode), and global average pooling
// (one window over the whole image, output c × 1 × 1). Average pooling excludes padding,
// which only matters if padding is ever added.
#pragma once

#include <string>

#include "nn/layer.hpp"

namespace kcell::nn {

enum class PoolKind { max, avg, global_avg };

class PoolLayer : public Layer {
 public:
  // kernel / stride are ignored for global_avg. name is used in error messages.
  PoolLayer(const std::string& name, Shape in, PoolKind kind, int64_t kernel, int64_t stride);
  Shape out_shape() const override { return out_; }
  std::unique_ptr<LayerPlan> make_plan(const PlanContext& ctx, const dnnl::memory& src) override;

 private:
  friend class PoolPlan;
  Shape in_, out_;
  PoolKind kind_;
  int64_t kh_ = 1, kw_ = 1, sh_ = 1, sw_ = 1;
};

}  // namespace kcell::nn
