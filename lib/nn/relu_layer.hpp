// ReLU: max(x, 0); the gradient passes where x > 0.
#pragma once

#include "nn/layer.hpp"

namespace kcell::nn {

class ReluLayer : public Layer {
 public:
  explicit ReluLayer(Shape in) : shape_(in) {}
  Shape out_shape() const override { return shape_; }
  std::unique_ptr<LayerPlan> make_plan(const PlanContext& ctx, const dnnl::memory& src) override;

 private:
  Shape shape_;
};

}  // namespace kcell::nn
