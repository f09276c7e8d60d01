#include "nn/dense_layer.hpp"

#include <cmath>
#include <utility>
#include <vector>

#include "common/error.hpp"
#include "nn/dnnl_compat.hpp"
#include "nn/param_memory.hpp"

namespace kcell::nn {

using dnnl::memory;

DenseLayer::DenseLayer(const std::string& name, Shape in, int64_t units, bool bias,
                       SplitMix64& rng)
    : in_(in), units_(units), has_bias_(bias) {
  if (units <= 0) fail(Status::spec, name + ": dense layer needs a positive unit count");
  const int64_t fan_in = in.size();
  const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
  weight_.name = name + ".weight";
  weight_.shape = {units, fan_in};
  weight_.value.resize(static_cast<size_t>(units * fan_in));
  weight_.grad.assign(weight_.value.size(), 0.f);
  weight_.is_weight = true;
  fill_uniform(weight_.value, bound, rng);
  if (bias) {
    bias_.name = name + ".bias";
    bias_.shape = {units};
    bias_.value.resize(static_cast<size_t>(units));
    bias_.grad.assign(bias_.value.size(), 0.f);
    bias_.is_weight = false;
    fill_uniform(bias_.value, bound, rng);
  }
}

void DenseLayer::collect(std::vector<Param*>& params, std::vector<Buffer*>&) {
  params.push_back(&weight_);
  if (has_bias_) params.push_back(&bias_);
}

namespace {
using Candidates = std::vector<compat::LayoutPair>;  // (src, weights), most preferred first
}  // namespace

class DensePlan : public LayerPlan {
 public:
  DensePlan(DenseLayer& layer, const PlanContext& ctx, const memory& src)
      : L_(layer), ctx_(ctx) {
    const int64_t n = ctx.n;
    const Shape& in = L_.in_;
    wei_dims_ = in.flat ? memory::dims{L_.units_, in.c}
                        : memory::dims{L_.units_, in.c, in.h, in.w};
    wei_plain_ = compat::plain_md(wei_dims_);
    bias_md_ = L_.has_bias_ ? compat::plain_md({L_.units_}) : memory::desc();
    // Activations and the weights the primitive reads in the plan's type; the bias, the
    // master weights and all parameter gradients stay fp32.
    src_any_ = compat::any_md(in.dims(n), ctx.act_type);
    dst_any_ = compat::any_md({n, L_.units_}, ctx.act_type);
    const memory::desc given = src.get_desc();
    const memory::desc wei_any = compat::any_md(wei_dims_, ctx.act_type);
    Candidates fwd_layouts = {{given, wei_any}, {src_any_, wei_any}};
    const memory::desc like = compat::weights_like(given, wei_dims_);
    if (!like.is_zero()) fwd_layouts.insert(fwd_layouts.begin(), {given, like});
    fwd_pd_ = compat::first_supported(fwd_layouts, [&](const compat::LayoutPair& l) {
      return compat::make_ip_fwd_pd(ctx.engine, ctx.forward_prop(), l.first, l.second,
                                    bias_md_, dst_any_);
    });
    src_ = in_layout(src, fwd_pd_.src_desc(), ctx.engine, src_convert_,
                     ctx.layout_conversions);
    weights_ = PackedWeights(ctx.engine, wei_plain_, fwd_pd_.weights_desc(), L_.weight_);
    if (L_.has_bias_) bias_ = PlainVector(ctx.engine, L_.bias_.value);
    dst_ = memory(fwd_pd_.dst_desc(), ctx.engine);
    fwd_ = Exec(dnnl::inner_product_forward(fwd_pd_), {{DNNL_ARG_SRC, src_},
                                                       {DNNL_ARG_WEIGHTS, weights_.memory()},
                                                       {DNNL_ARG_BIAS, bias_.memory()},
                                                       {DNNL_ARG_DST, dst_}});
  }

  memory dst() const override { return dst_; }

  void forward(dnnl::stream& s) override {
    if (src_convert_) src_convert_.run(s);
    weights_.refresh(s, *ctx_.weights_version);
    if (L_.has_bias_) bias_.bind();
    fwd_.run(s);
  }

  memory build_backward(const memory& diff_dst, bool need_diff_src, bool) override {
    // Weight gradients are fp32 whatever the activations are.
    const memory::desc grad_any = compat::any_md(wei_dims_);
    const Candidates grad_layouts = {
        {src_.get_desc(), compat::with_type(fwd_pd_.weights_desc(), memory::data_type::f32)},
        {src_.get_desc(), grad_any},
        {src_any_, grad_any}};
    auto bw_pd = compat::first_supported(grad_layouts, [&](const compat::LayoutPair& l) {
      return compat::make_ip_bwd_weights_pd(ctx_.engine, l.first, l.second, bias_md_, dst_any_,
                                            fwd_pd_);
    });
    memory bw_src = in_layout(src_, bw_pd.src_desc(), ctx_.engine, bw_src_convert_,
                              ctx_.layout_conversions);
    memory bw_dd = in_layout(diff_dst, bw_pd.diff_dst_desc(), ctx_.engine, bw_dd_convert_,
                             ctx_.layout_conversions);
    diff_weights_ = GradSink(ctx_.engine, wei_plain_, bw_pd.diff_weights_desc(), L_.weight_);
    if (L_.has_bias_) diff_bias_ = PlainVector(ctx_.engine, L_.bias_.grad);
    bwd_weights_ = Exec(dnnl::inner_product_backward_weights(bw_pd),
                        {{DNNL_ARG_SRC, bw_src},
                         {DNNL_ARG_DIFF_DST, bw_dd},
                         {DNNL_ARG_DIFF_WEIGHTS, diff_weights_.memory()},
                         {DNNL_ARG_DIFF_BIAS, diff_bias_.memory()}});
    if (!need_diff_src) return memory();

    const memory::desc wei_any = compat::any_md(wei_dims_, ctx_.act_type);
    const Candidates layouts = {{src_.get_desc(), fwd_pd_.weights_desc()},
                                {src_.get_desc(), wei_any},
                                {src_any_, wei_any}};
    auto bd_pd = compat::first_supported(layouts, [&](const compat::LayoutPair& l) {
      return compat::make_ip_bwd_data_pd(ctx_.engine, l.first, l.second, dst_any_, fwd_pd_);
    });
    memory bd_dd = in_layout(diff_dst, bd_pd.diff_dst_desc(), ctx_.engine, bd_dd_convert_,
                             ctx_.layout_conversions);
    if (bd_pd.weights_desc() == fwd_pd_.weights_desc()) {
      bd_weights_shared_ = true;
    } else {
      bd_weights_ = PackedWeights(ctx_.engine, wei_plain_, bd_pd.weights_desc(), L_.weight_);
    }
    diff_src_ = memory(bd_pd.diff_src_desc(), ctx_.engine);
    bwd_data_ = Exec(dnnl::inner_product_backward_data(bd_pd),
                     {{DNNL_ARG_DIFF_DST, bd_dd},
                      {DNNL_ARG_WEIGHTS, bd_weights_shared_ ? weights_.memory()
                                                            : bd_weights_.memory()},
                      {DNNL_ARG_DIFF_SRC, diff_src_}});
    return diff_src_;
  }

  void backward(dnnl::stream& s) override {
    if (bw_src_convert_) bw_src_convert_.run(s);
    if (bw_dd_convert_) bw_dd_convert_.run(s);
    diff_weights_.prepare();
    if (L_.has_bias_) diff_bias_.bind();
    bwd_weights_.run(s);
    diff_weights_.finish(s);
    if (!bwd_data_) return;
    if (bd_dd_convert_) bd_dd_convert_.run(s);
    if (!bd_weights_shared_) bd_weights_.refresh(s, *ctx_.weights_version);
    bwd_data_.run(s);
  }

 private:
  DenseLayer& L_;
  PlanContext ctx_;
  memory::dims wei_dims_;
  memory::desc wei_plain_, bias_md_, src_any_, dst_any_;
  dnnl::inner_product_forward::primitive_desc fwd_pd_;
  memory src_, dst_, diff_src_;
  Reorder src_convert_, bw_src_convert_, bw_dd_convert_, bd_dd_convert_;
  PackedWeights weights_, bd_weights_;
  bool bd_weights_shared_ = false;
  PlainVector bias_, diff_bias_;
  GradSink diff_weights_;
  Exec fwd_, bwd_weights_, bwd_data_;
};

std::unique_ptr<LayerPlan> DenseLayer::make_plan(const PlanContext& ctx, const memory& src) {
  return std::make_unique<DensePlan>(*this, ctx, src);
}

}  // namespace kcell::nn
