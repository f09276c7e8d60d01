#include "nn/conv_layer.hpp"

#include "common/error.hpp"
#include "nn/dnnl_compat.hpp"
#include "nn/weighted_plan.hpp"

namespace kcell::nn {

using dnnl::memory;

ConvLayer::ConvLayer(const std::string& name, Shape in, ConvGeometry g, SplitMix64& rng)
    : in_(in), g_(g) {
  if (in.flat) fail(Status::spec, name + ": convolution needs an image input, not a flat one");
  if (g.out <= 0 || g.kernel <= 0 || g.stride <= 0 || g.pad < 0) {
    fail(Status::spec, name +
                           ": output channels, kernel and stride must be positive and "
                           "padding non-negative");
  }
  const int64_t ph = in.h + 2 * g.pad, pw = in.w + 2 * g.pad;
  if (ph < g.kernel || pw < g.kernel) {
    fail(Status::spec, name + ": kernel " + std::to_string(g.kernel) +
                           " is larger than the padded input " + std::to_string(ph) + "x" +
                           std::to_string(pw));
  }
  out_ = Shape{g.out, (ph - g.kernel) / g.stride + 1, (pw - g.kernel) / g.stride + 1, false};

  params_ = WeightAndBias(name, {g.out, in.c, g.kernel, g.kernel}, g.bias, rng);
}

void ConvLayer::collect(std::vector<Param*>& params, std::vector<Buffer*>&) {
  params_.collect(params);
}

class ConvPlan : public WeightedPlan {
 public:
  ConvPlan(ConvLayer& layer, const PlanContext& ctx, const memory& src)
      : WeightedPlan(ctx, layer.params_), L_(layer) {
    const auto& g = L_.g_;
    strides_ = {g.stride, g.stride};
    pad_ = {g.pad, g.pad};
    wei_dims_ = {g.out, L_.in_.c, g.kernel, g.kernel};
    bias_md_ = g.bias ? compat::plain_md({g.out}) : memory::desc();
    // Activations and the weights the primitive reads in the plan's type; the bias, the
    // master weights and all parameter gradients stay fp32.
    const auto t = ctx.act_type;
    fwd_pd_ = compat::make_conv_fwd_pd(
        ctx.engine, ctx.forward_prop(), compat::any_md(L_.in_.dims(ctx.n), t),
        compat::any_md(wei_dims_, t), bias_md_, compat::any_md(L_.out_.dims(ctx.n), t), strides_,
        pad_, pad_);
    set_forward(dnnl::convolution_forward(fwd_pd_), compat::plain_md(wei_dims_), fwd_pd_.src_desc(),
                fwd_pd_.weights_desc(), fwd_pd_.dst_desc(), src);
  }

  memory build_backward_primitives(const memory& diff_dst, bool need_diff_src) override {
    const PlanContext& c = ctx();
    const auto t = c.act_type;
    const auto bw_pd = compat::make_conv_bwd_weights_pd(
        c.engine, compat::any_md(L_.in_.dims(c.n), t), compat::any_md(wei_dims_), bias_md_,
        compat::any_md(L_.out_.dims(c.n), t), strides_, pad_, pad_, fwd_pd_);
    set_backward_weights(dnnl::convolution_backward_weights(bw_pd), bw_pd.src_desc(),
                         bw_pd.diff_dst_desc(), bw_pd.diff_weights_desc(), diff_dst);
    if (!need_diff_src) return memory();

    const auto bd_pd = compat::make_conv_bwd_data_pd(
        c.engine, compat::any_md(L_.in_.dims(c.n), t), compat::any_md(wei_dims_, t),
        compat::any_md(L_.out_.dims(c.n), t), strides_, pad_, pad_, fwd_pd_);
    return set_backward_data(dnnl::convolution_backward_data(bd_pd), bd_pd.diff_dst_desc(),
                             bd_pd.weights_desc(), fwd_pd_.weights_desc(), bd_pd.diff_src_desc(),
                             diff_dst);
  }

 private:
  ConvLayer& L_;
  memory::dims strides_, pad_, wei_dims_;
  memory::desc bias_md_;
  dnnl::convolution_forward::primitive_desc fwd_pd_;
};

std::unique_ptr<LayerPlan> ConvLayer::make_plan(const PlanContext& ctx, const memory& src) {
  return std::make_unique<ConvPlan>(*this, ctx, src);
}

}  // namespace kcell::nn
