#include "nn/relu_layer.hpp"

#include "nn/dnnl_compat.hpp"
#include "nn/exec.hpp"

namespace kcell::nn {

using dnnl::algorithm;
using dnnl::memory;

namespace {

class ReluPlan : public LayerPlan {
 public:
  ReluPlan(const PlanContext& ctx, const memory& src) : ctx_(ctx), src_(src) {
    fwd_pd_ = compat::make_eltwise_fwd_pd(ctx.engine, ctx.forward_prop(), algorithm::eltwise_relu,
                                          src.get_desc(), 0.f, 0.f);
    dst_ = memory(fwd_pd_.dst_desc(), ctx.engine);
    fwd_ = Exec(dnnl::eltwise_forward(fwd_pd_), {{DNNL_ARG_SRC, src_}, {DNNL_ARG_DST, dst_}},
                ctx_.scratchpad);
  }

  memory dst() const override { return dst_; }
  void forward(dnnl::stream& s) override { fwd_.run(s); }

  memory build_backward(const memory& diff_dst, bool need_diff_src, bool diff_dst_free) override {
    if (!need_diff_src) return memory();
    const memory::desc md = src_.get_desc();
    auto pd = compat::make_eltwise_bwd_pd(ctx_.engine, algorithm::eltwise_relu, md, md, 0.f, 0.f,
                                          fwd_pd_);
    memory dd = in_layout(diff_dst, pd.diff_dst_desc(), ctx_.engine, diff_dst_convert_,
                          ctx_.layout_conversions);
    diff_src_ = diff_dst_free || diff_dst_convert_ ? dd  // in place
                                                   : new_gradient(ctx_, pd.diff_src_desc());
    bwd_ = Exec(dnnl::eltwise_backward(pd),
                {{DNNL_ARG_SRC, src_}, {DNNL_ARG_DIFF_DST, dd}, {DNNL_ARG_DIFF_SRC, diff_src_}},
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
  PlanContext ctx_;
  dnnl::eltwise_forward::primitive_desc fwd_pd_;
  memory src_, dst_, diff_src_;
  Reorder diff_dst_convert_;
  Exec fwd_, bwd_;
};

}  // namespace

std::unique_ptr<LayerPlan> ReluLayer::make_plan(const PlanContext& ctx, const memory& src) {
  return std::make_unique<ReluPlan>(ctx, src);
}

}  // namespace kcell::nn
