#include "nn/pool_layer.hpp"

#include "common/error.hpp"
#include "nn/dnnl_compat.hpp"
#include "nn/exec.hpp"

namespace kcell::nn {

using dnnl::algorithm;
using dnnl::memory;

PoolLayer::PoolLayer(const std::string& name, Shape in, PoolKind kind, int64_t kernel,
                     int64_t stride)
    : in_(in), kind_(kind) {
  if (in.flat) fail(Status::spec, name + ": pooling needs an image input, not a flat one");
  if (kind == PoolKind::global_avg) {
    kh_ = sh_ = in.h;
    kw_ = sw_ = in.w;
  } else {
    if (kernel <= 0 || stride <= 0) {
      fail(Status::spec, name + ": pooling kernel and stride must be positive");
    }
    if (kernel > in.h || kernel > in.w) {
      fail(Status::spec, name + ": pooling window " + std::to_string(kernel) +
                             " is larger than the input " + std::to_string(in.h) + "x" +
                             std::to_string(in.w));
    }
    kh_ = kw_ = kernel;
    sh_ = sw_ = stride;
  }
  out_ = Shape{in.c, (in.h - kh_) / sh_ + 1, (in.w - kw_) / sw_ + 1, false};
}

class PoolPlan : public LayerPlan {
 public:
  PoolPlan(PoolLayer& layer, const PlanContext& ctx, const memory& src)
      : L_(layer), ctx_(ctx), src_(src) {
    alg_ =
        L_.kind_ == PoolKind::max ? algorithm::pooling_max : algorithm::pooling_avg_exclude_padding;
    strides_ = {L_.sh_, L_.sw_};
    kernel_ = {L_.kh_, L_.kw_};
    pad_ = {0, 0};
    fwd_pd_ = compat::make_pool_fwd_pd(ctx.engine, ctx.forward_prop(), alg_, src.get_desc(),
                                       compat::any_md(L_.out_.dims(ctx.n), ctx.act_type), strides_,
                                       kernel_, pad_, pad_);
    dst_ = memory(fwd_pd_.dst_desc(), ctx.engine);
    // Max pooling before a backward pass records the argmax.
    if (ctx.backward && alg_ == algorithm::pooling_max) {
      workspace_ = memory(fwd_pd_.workspace_desc(), ctx.engine);
    }
    fwd_ = Exec(dnnl::pooling_forward(fwd_pd_),
                {{DNNL_ARG_SRC, src_}, {DNNL_ARG_DST, dst_}, {DNNL_ARG_WORKSPACE, workspace_}},
                ctx_.scratchpad);
  }

  memory dst() const override { return dst_; }
  void forward(dnnl::stream& s) override { fwd_.run(s); }

  memory build_backward(const memory& diff_dst, bool need_diff_src, bool diff_dst_free) override {
    if (!need_diff_src) {
      done_with(ctx_, diff_dst, diff_dst_free, memory());
      return memory();
    }
    auto pd = compat::make_pool_bwd_pd(ctx_.engine, alg_, src_.get_desc(), dst_.get_desc(),
                                       strides_, kernel_, pad_, pad_, fwd_pd_);
    memory dd = in_layout(diff_dst, pd.diff_dst_desc(), ctx_.engine, diff_dst_convert_,
                          ctx_.layout_conversions);
    diff_src_ = new_gradient(ctx_, pd.diff_src_desc());
    bwd_ = Exec(
        dnnl::pooling_backward(pd),
        {{DNNL_ARG_DIFF_DST, dd}, {DNNL_ARG_WORKSPACE, workspace_}, {DNNL_ARG_DIFF_SRC, diff_src_}},
        ctx_.scratchpad);
    done_with(ctx_, diff_dst, diff_dst_free, diff_src_);
    return diff_src_;
  }

  void backward(dnnl::stream& s) override {
    if (!bwd_) return;
    if (diff_dst_convert_) diff_dst_convert_.run(s);
    bwd_.run(s);
  }

 private:
  PoolLayer& L_;
  PlanContext ctx_;
  algorithm alg_;
  memory::dims strides_, kernel_, pad_;
  dnnl::pooling_forward::primitive_desc fwd_pd_;
  memory src_, dst_, workspace_, diff_src_;
  Reorder diff_dst_convert_;
  Exec fwd_, bwd_;
};

std::unique_ptr<LayerPlan> PoolLayer::make_plan(const PlanContext& ctx, const memory& src) {
  return std::make_unique<PoolPlan>(*this, ctx, src);
}

}  // namespace kcell::nn
