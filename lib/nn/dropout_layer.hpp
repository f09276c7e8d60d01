// Inverted dropout: in training each element is zeroed with probability p and the others
// scaled by 1/(1-p); at inference the layer passes its input through.
//
// Masks come from a counter-based hash of (seed, step, layer index, element index) - the
// element index being the offset in the activation buffer as oneDNN lays it out - so they
// are reproducible and independent of the thread count, and backward recomputes the mask
// instead of storing it. p is resolved to 1/2^32.
#pragma once

#include <cstdint>
#include <string>

#include "nn/layer.hpp"

namespace kcell::nn {

class DropoutLayer : public Layer {
 public:
  DropoutLayer(const std::string& name, Shape in, double rate, uint64_t layer_index);
  Shape out_shape() const override { return shape_; }
  std::unique_ptr<LayerPlan> make_plan(const PlanContext& ctx, const dnnl::memory& src) override;

 private:
  friend class DropoutPlan;
  Shape shape_;
  double rate_;
  uint64_t layer_index_;
};

}  // namespace kcell::nn
