#include "nn/dense_layer.hpp"

#include <utility>
#include <vector>

#include "common/error.hpp"
#include "nn/dnnl_compat.hpp"
#include "nn/weighted_plan.hpp"

namespace kcell::nn {

using dnnl::memory;

DenseLayer::DenseLayer(const std::string& name, Shape in, int64_t units, bool bias, SplitMix64& rng)
    : in_(in), units_(units) {
  if (units <= 0) fail(Status::spec, name + ": dense layer needs a positive unit count");
  params_ = WeightAndBias(name, {units, in.size()}, bias, rng);
}

void DenseLayer::collect(std::vector<Param*>& params, std::vector<Buffer*>&) {
  params_.collect(params);
}

namespace {
using Candidates = std::vector<compat::LayoutPair>;  // (src, weights), most preferred first
}  // namespace

class DensePlan : public WeightedPlan {
 public:
  DensePlan(DenseLayer& layer, const PlanContext& ctx, const memory& src)
      : WeightedPlan(ctx, layer.params_), L_(layer) {
    const int64_t n = ctx.n;
    const Shape& in = L_.in_;
    wei_dims_ = in.flat ? memory::dims{L_.units_, in.c} : memory::dims{L_.units_, in.c, in.h, in.w};
    bias_md_ = L_.params_.has_bias ? compat::plain_md({L_.units_}) : memory::desc();
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
      return compat::make_ip_fwd_pd(ctx.engine, ctx.forward_prop(), l.first, l.second, bias_md_,
                                    dst_any_);
    });
    set_forward(dnnl::inner_product_forward(fwd_pd_), compat::plain_md(wei_dims_),
                fwd_pd_.src_desc(), fwd_pd_.weights_desc(), fwd_pd_.dst_desc(), src);
  }

  memory build_backward_primitives(const memory& diff_dst, bool need_diff_src) override {
    const PlanContext& c = ctx();
    const memory::desc src_md = src().get_desc();
    // Weight gradients are fp32 whatever the activations are.
    const memory::desc grad_any = compat::any_md(wei_dims_);
    const Candidates grad_layouts = {
        {src_md, compat::with_type(fwd_pd_.weights_desc(), memory::data_type::f32)},
        {src_md, grad_any},
        {src_any_, grad_any}};
    const auto bw_pd = compat::first_supported(grad_layouts, [&](const compat::LayoutPair& l) {
      return compat::make_ip_bwd_weights_pd(c.engine, l.first, l.second, bias_md_, dst_any_,
                                            fwd_pd_);
    });
    set_backward_weights(dnnl::inner_product_backward_weights(bw_pd), bw_pd.src_desc(),
                         bw_pd.diff_dst_desc(), bw_pd.diff_weights_desc(), diff_dst);
    if (!need_diff_src) return memory();

    const memory::desc wei_any = compat::any_md(wei_dims_, c.act_type);
    const Candidates layouts = {
        {src_md, fwd_pd_.weights_desc()}, {src_md, wei_any}, {src_any_, wei_any}};
    const auto bd_pd = compat::first_supported(layouts, [&](const compat::LayoutPair& l) {
      return compat::make_ip_bwd_data_pd(c.engine, l.first, l.second, dst_any_, fwd_pd_);
    });
    return set_backward_data(dnnl::inner_product_backward_data(bd_pd), bd_pd.diff_dst_desc(),
                             bd_pd.weights_desc(), fwd_pd_.weights_desc(), bd_pd.diff_src_desc(),
                             diff_dst);
  }

 private:
  DenseLayer& L_;
  memory::dims wei_dims_;
  memory::desc bias_md_, src_any_, dst_any_;
  dnnl::inner_product_forward::primitive_desc fwd_pd_;
};

std::unique_ptr<LayerPlan> DenseLayer::make_plan(const PlanContext& ctx, const memory& src) {
  return std::make_unique<DensePlan>(*this, ctx, src);
}

}  // namespace kcell::nn
