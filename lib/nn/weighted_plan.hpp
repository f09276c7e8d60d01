// What a convolution's plan and a dense layer's plan share once each has chosen its
// primitive descriptors: converting activations into the layouts the primitives chose,
// binding the weight and bias (WeightBindings), and running forward and backward.
#pragma once

#include <dnnl.hpp>

#include "nn/exec.hpp"
#include "nn/layer.hpp"
#include "nn/weighted_params.hpp"

namespace kcell::nn {

class WeightedPlan : public LayerPlan {
 public:
  dnnl::memory dst() const override { return dst_; }
  void forward(dnnl::stream& s) override;
  void backward(dnnl::stream& s) override;
  // build_backward_primitives(), then diff_dst's buffer back to the plan's gradient pool
  // when this layer was its last reader.
  dnnl::memory build_backward(const dnnl::memory& diff_dst, bool need_diff_src,
                              bool diff_dst_free) override;

 protected:
  // The backward primitives (set_backward_weights, and set_backward_data when
  // need_diff_src); returns diff_src or an empty memory.
  virtual dnnl::memory build_backward_primitives(const dnnl::memory& diff_dst,
                                                 bool need_diff_src) = 0;

  WeightedPlan(const PlanContext& ctx, WeightAndBias& params) : ctx_(ctx), params_(params) {}

  // The forward primitive `prim`, whose descriptor chose these layouts; `wei_plain` is the
  // weight's plain (PyTorch-order) layout, `src` the previous layer's output.
  void set_forward(dnnl::primitive prim, const dnnl::memory::desc& wei_plain,
                   const dnnl::memory::desc& src_md, const dnnl::memory::desc& wei_md,
                   const dnnl::memory::desc& dst_md, const dnnl::memory& src);
  // The backward-weights primitive: reads the forward's input and diff_dst.
  void set_backward_weights(dnnl::primitive prim, const dnnl::memory::desc& src_md,
                            const dnnl::memory::desc& diff_dst_md,
                            const dnnl::memory::desc& diff_wei_md, const dnnl::memory& diff_dst);
  // The backward-data primitive; returns diff_src. `forward_wei_md` is the forward's
  // weight layout (shared when wei_md is the same).
  dnnl::memory set_backward_data(dnnl::primitive prim, const dnnl::memory::desc& diff_dst_md,
                                 const dnnl::memory::desc& wei_md,
                                 const dnnl::memory::desc& forward_wei_md,
                                 const dnnl::memory::desc& diff_src_md,
                                 const dnnl::memory& diff_dst);

  // The forward's input in the forward primitive's layout.
  const dnnl::memory& src() const { return src_; }
  const PlanContext& ctx() const { return ctx_; }

 private:
  PlanContext ctx_;
  WeightAndBias& params_;
  dnnl::memory::desc wei_plain_;
  dnnl::memory src_, dst_, diff_src_;
  Reorder src_convert_, bw_src_convert_, bw_diff_dst_convert_, bd_diff_dst_convert_;
  WeightBindings w_;
  Exec fwd_, bwd_weights_, bwd_data_;
};

}  // namespace kcell::nn
