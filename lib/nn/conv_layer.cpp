#include "nn/conv_layer.hpp"

#include <cmath>

#include "common/error.hpp"
#include "nn/dnnl_compat.hpp"
#include "nn/param_memory.hpp"

namespace kcell::nn {

using dnnl::memory;

ConvLayer::ConvLayer(const std::string& name, Shape in, ConvGeometry g, SplitMix64& rng)
    : in_(in), g_(g) {
  if (in.flat) fail(Status::spec, name + ": convolution needs an image input, not a flat one");
  if (g.out <= 0 || g.kernel <= 0 || g.stride <= 0 || g.pad < 0) {
    fail(Status::spec, name + ": output channels, kernel and stride must be positive and "
                              "padding non-negative");
  }
  const int64_t ph = in.h + 2 * g.pad, pw = in.w + 2 * g.pad;
  if (ph < g.kernel || pw < g.kernel) {
    fail(Status::spec, name + ": kernel " + std::to_string(g.kernel) +
                           " is larger than the padded input " + std::to_string(ph) + "x" +
                           std::to_string(pw));
  }
  out_ = Shape{g.out, (ph - g.kernel) / g.stride + 1, (pw - g.kernel) / g.stride + 1, false};

  const int64_t fan_in = in.c * g.kernel * g.kernel;
  const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
  weight_.name = name + ".weight";
  weight_.shape = {g.out, in.c, g.kernel, g.kernel};
  weight_.value.resize(static_cast<size_t>(g.out * fan_in));
  weight_.grad.assign(weight_.value.size(), 0.f);
  weight_.is_weight = true;
  fill_uniform(weight_.value, bound, rng);
  if (g.bias) {
    bias_.name = name + ".bias";
    bias_.shape = {g.out};
    bias_.value.resize(static_cast<size_t>(g.out));
    bias_.grad.assign(bias_.value.size(), 0.f);
    bias_.is_weight = false;
    fill_uniform(bias_.value, bound, rng);
  }
}

void ConvLayer::collect(std::vector<Param*>& params, std::vector<Buffer*>&) {
  params.push_back(&weight_);
  if (g_.bias) params.push_back(&bias_);
}

class ConvPlan : public LayerPlan {
 public:
  ConvPlan(ConvLayer& layer, const PlanContext& ctx, const memory& src)
      : L_(layer), ctx_(ctx) {
    const auto& g = L_.g_;
    strides_ = {g.stride, g.stride};
    pad_ = {g.pad, g.pad};
    wei_dims_ = {g.out, L_.in_.c, g.kernel, g.kernel};
    wei_plain_ = compat::plain_md(wei_dims_);
    bias_md_ = g.bias ? compat::plain_md({g.out}) : memory::desc();
    // Activations and the weights the primitive reads in the plan's type; the bias, the
    // master weights and all parameter gradients stay fp32.
    const auto t = ctx.act_type;
    fwd_pd_ = compat::make_conv_fwd_pd(ctx.engine, ctx.forward_prop(),
                                       compat::any_md(L_.in_.dims(ctx.n), t),
                                       compat::any_md(wei_dims_, t), bias_md_,
                                       compat::any_md(L_.out_.dims(ctx.n), t), strides_, pad_,
                                       pad_);
    src_ = in_layout(src, fwd_pd_.src_desc(), ctx.engine, src_convert_,
                     ctx.layout_conversions);
    weights_ = PackedWeights(ctx.engine, wei_plain_, fwd_pd_.weights_desc(), L_.weight_);
    if (g.bias) bias_ = PlainVector(ctx.engine, L_.bias_.value);
    dst_ = memory(fwd_pd_.dst_desc(), ctx.engine);
    fwd_ = Exec(dnnl::convolution_forward(fwd_pd_), {{DNNL_ARG_SRC, src_},
                                                     {DNNL_ARG_WEIGHTS, weights_.memory()},
                                                     {DNNL_ARG_BIAS, bias_.memory()},
                                                     {DNNL_ARG_DST, dst_}});
  }

  memory dst() const override { return dst_; }

  void forward(dnnl::stream& s) override {
    if (src_convert_) src_convert_.run(s);
    weights_.refresh(s, *ctx_.weights_version);
    if (L_.g_.bias) bias_.bind();
    fwd_.run(s);
  }

  memory build_backward(const memory& diff_dst, bool need_diff_src, bool) override {
    const auto& g = L_.g_;
    const auto t = ctx_.act_type;
    auto bw_pd = compat::make_conv_bwd_weights_pd(
        ctx_.engine, compat::any_md(L_.in_.dims(ctx_.n), t), compat::any_md(wei_dims_),
        bias_md_, compat::any_md(L_.out_.dims(ctx_.n), t), strides_, pad_, pad_, fwd_pd_);
    memory bw_src = in_layout(src_, bw_pd.src_desc(), ctx_.engine, bw_src_convert_,
                              ctx_.layout_conversions);
    memory bw_diff_dst = in_layout(diff_dst, bw_pd.diff_dst_desc(), ctx_.engine,
                                   bw_diff_dst_convert_, ctx_.layout_conversions);
    diff_weights_ = GradSink(ctx_.engine, wei_plain_, bw_pd.diff_weights_desc(), L_.weight_);
    if (g.bias) diff_bias_ = PlainVector(ctx_.engine, L_.bias_.grad);
    bwd_weights_ = Exec(dnnl::convolution_backward_weights(bw_pd),
                        {{DNNL_ARG_SRC, bw_src},
                         {DNNL_ARG_DIFF_DST, bw_diff_dst},
                         {DNNL_ARG_DIFF_WEIGHTS, diff_weights_.memory()},
                         {DNNL_ARG_DIFF_BIAS, diff_bias_.memory()}});
    if (!need_diff_src) return memory();

    auto bd_pd = compat::make_conv_bwd_data_pd(
        ctx_.engine, compat::any_md(L_.in_.dims(ctx_.n), t), compat::any_md(wei_dims_, t),
        compat::any_md(L_.out_.dims(ctx_.n), t), strides_, pad_, pad_, fwd_pd_);
    memory bd_diff_dst = in_layout(diff_dst, bd_pd.diff_dst_desc(), ctx_.engine,
                                   bd_diff_dst_convert_, ctx_.layout_conversions);
    // Backward data usually wants the forward's weight layout; share it then.
    if (bd_pd.weights_desc() == fwd_pd_.weights_desc()) {
      bd_weights_shared_ = true;
    } else {
      bd_weights_ = PackedWeights(ctx_.engine, wei_plain_, bd_pd.weights_desc(), L_.weight_);
    }
    diff_src_ = memory(bd_pd.diff_src_desc(), ctx_.engine);
    bwd_data_ = Exec(dnnl::convolution_backward_data(bd_pd),
                     {{DNNL_ARG_DIFF_DST, bd_diff_dst},
                      {DNNL_ARG_WEIGHTS, bd_weights_shared_ ? weights_.memory()
                                                            : bd_weights_.memory()},
                      {DNNL_ARG_DIFF_SRC, diff_src_}});
    return diff_src_;
  }

  void backward(dnnl::stream& s) override {
    if (bw_src_convert_) bw_src_convert_.run(s);
    if (bw_diff_dst_convert_) bw_diff_dst_convert_.run(s);
    diff_weights_.prepare();
    if (L_.g_.bias) diff_bias_.bind();
    bwd_weights_.run(s);
    diff_weights_.finish(s);
    if (!bwd_data_) return;
    if (bd_diff_dst_convert_) bd_diff_dst_convert_.run(s);
    if (!bd_weights_shared_) bd_weights_.refresh(s, *ctx_.weights_version);
    bwd_data_.run(s);
  }

 private:
  ConvLayer& L_;
  PlanContext ctx_;
  memory::dims strides_, pad_, wei_dims_;
  memory::desc wei_plain_, bias_md_;
  dnnl::convolution_forward::primitive_desc fwd_pd_;
  memory src_, dst_, diff_src_;
  Reorder src_convert_, bw_src_convert_, bw_diff_dst_convert_, bd_diff_dst_convert_;
  PackedWeights weights_, bd_weights_;
  bool bd_weights_shared_ = false;
  PlainVector bias_, diff_bias_;
  GradSink diff_weights_;
  Exec fwd_, bwd_weights_, bwd_data_;
};

std::unique_ptr<LayerPlan> ConvLayer::make_plan(const PlanContext& ctx, const memory& src) {
  return std::make_unique<ConvPlan>(*this, ctx, src);
}

}  // namespace kcell::nn
