// Flatten: c × h × w images to c*h*w features in c, h, w order (PyTorch's flatten).
// Activations live in oneDNN's blocked layouts, so this converts to the plain layout and
// reinterprets it as n × features. The network skips it (a passthrough) when a dense layer
// follows, since the dense layer flattens for free.
#pragma once

#include "nn/layer.hpp"

namespace kcell::nn {

class FlattenLayer : public Layer {
 public:
  explicit FlattenLayer(Shape in) : in_(in) {}
  Shape out_shape() const override { return Shape{in_.size(), 1, 1, true}; }
  std::unique_ptr<LayerPlan> make_plan(const PlanContext& ctx, const dnnl::memory& src) override;

 private:
  Shape in_;
};

}  // namespace kcell::nn
