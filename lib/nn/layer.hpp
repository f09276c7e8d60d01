// The two halves of a layer: Layer holds what lives as long as the model (parameters,
// running statistics, the shape), LayerPlan holds what exists per batch size and mode
// (primitives, activations, gradients of activations). A Network keeps a few plans cached.
#pragma once

#include <cstdint>
#include <dnnl.hpp>
#include <memory>
#include <string>
#include <vector>

#include "nn/exec.hpp"
#include "nn/network.hpp"

namespace kcell::nn {

// One sample's activation: c × h × w, or c features when flat (a 2-D n × c tensor).
struct Shape {
  int64_t c = 0, h = 1, w = 1;
  bool flat = false;
  int64_t size() const { return c * h * w; }
  dnnl::memory::dims dims(int64_t n) const {
    return flat ? dnnl::memory::dims{n, c} : dnnl::memory::dims{n, c, h, w};
  }
};

// Dropout masks derive from (seed, step); the network advances step once per training
// forward.
struct DropoutClock {
  uint64_t seed = 0;
  uint64_t step = 0;
};

// What a layer needs to know to build its plan.
struct PlanContext {
  dnnl::engine engine;
  int64_t n = 0;
  bool training = false;
  // The forward keeps what a backward pass needs (activations' workspaces, training-kind
  // primitives). Training plans always do; an inference plan does for saliency
  // (Network::class_gradients), and then computes exactly what inference computes.
  bool backward = false;
  const uint64_t* weights_version = nullptr;  // moves on Network::weights_changed()
  const DropoutClock* dropout = nullptr;
  int* layout_conversions = nullptr;  // counts activation reorders created
  // Element type of activations and their gradients (bf16 for bf16 training plans).
  dnnl::memory::data_type act_type = dnnl::memory::data_type::f32;
  // The plan's one scratchpad, which all its primitives share (Exec).
  std::shared_ptr<SharedScratchpad> scratchpad;
  // Training plans: where activation gradients come from (reused once dead). Null for
  // plans that keep every gradient (saliency reads them all after the backward pass).
  std::shared_ptr<GradientPool> gradients;
  dnnl::prop_kind forward_prop() const {
    return training || backward ? dnnl::prop_kind::forward_training
                                : dnnl::prop_kind::forward_inference;
  }
};

// A new activation gradient of md for build_backward(): from the plan's pool when it has
// one.
inline dnnl::memory new_gradient(const PlanContext& ctx, const dnnl::memory::desc& md) {
  return ctx.gradients ? ctx.gradients->give(md) : dnnl::memory(md, ctx.engine);
}

// The end of build_backward(diff_dst, ..., diff_dst_free) of a layer that returns diff_src:
// when nothing else reads diff_dst and the layer did not write diff_src over it, its
// buffer may serve the primitives built from now on.
inline void done_with(const PlanContext& ctx, const dnnl::memory& diff_dst, bool diff_dst_free,
                      const dnnl::memory& diff_src) {
  if (!ctx.gradients || !diff_dst_free) return;
  if (diff_src && diff_src.get_data_handle() == diff_dst.get_data_handle()) return;
  ctx.gradients->take_back(diff_dst);
}

// A layer's tensors by what they are for, as the layers report them (ConvLayer::tensors()
// and friends): lib/infer builds its graph from these, never from tensor names.
struct WeightTensors {  // a convolution or inner product
  const Param* weight = nullptr;
  const Param* bias = nullptr;  // nullptr for none
};
struct BatchNormTensors {
  const Param* scale = nullptr;
  const Param* shift = nullptr;
  const Buffer* mean = nullptr;
  const Buffer* var = nullptr;
};

class LayerPlan {
 public:
  virtual ~LayerPlan() = default;
  // The output activation, in the layout this layer's primitive chose.
  virtual dnnl::memory dst() const = 0;
  virtual void forward(dnnl::stream& s) = 0;
  // Training plans only, once, in reverse layer order: creates the backward primitives.
  // diff_dst is the gradient of dst in whatever layout the next layer produced. Returns the
  // gradient of src (any layout) or an empty memory when need_diff_src is false (the first
  // layers of a network, whose input gradient nobody reads). diff_dst_free: nothing reads
  // diff_dst after this layer's backward, so the layer may write its diff_src over it (in
  // place, one activation-sized buffer less).
  virtual dnnl::memory build_backward(const dnnl::memory& diff_dst, bool need_diff_src,
                                      bool diff_dst_free = false) = 0;
  // Writes the gradient of src (if built) and of this layer's parameters.
  virtual void backward(dnnl::stream& s) = 0;
};

class Layer {
 public:
  virtual ~Layer() = default;
  virtual Shape out_shape() const = 0;
  // src is the input activation (owned by the previous layer's plan or the network).
  virtual std::unique_ptr<LayerPlan> make_plan(const PlanContext& ctx, const dnnl::memory& src) = 0;
  virtual void collect(std::vector<Param*>& /*params*/, std::vector<Buffer*>& /*buffers*/) {}
};

// A layer that does nothing here: dst is src and the gradient passes through (a ReLU fused
// into the preceding batch norm, flatten in front of a dense layer, dropout at inference).
class PassthroughPlan : public LayerPlan {
 public:
  explicit PassthroughPlan(dnnl::memory src) : src_(std::move(src)) {}
  dnnl::memory dst() const override { return src_; }
  void forward(dnnl::stream&) override {}
  dnnl::memory build_backward(const dnnl::memory& diff_dst, bool need, bool) override {
    return need ? diff_dst : dnnl::memory();
  }
  void backward(dnnl::stream&) override {}

 private:
  dnnl::memory src_;
};

class PassthroughLayer : public Layer {
 public:
  explicit PassthroughLayer(Shape shape) : shape_(shape) {}
  Shape out_shape() const override { return shape_; }
  std::unique_ptr<LayerPlan> make_plan(const PlanContext&, const dnnl::memory& src) override {
    return std::make_unique<PassthroughPlan>(src);
  }

 private:
  Shape shape_;
};

}  // namespace kcell::nn
