#include "nn/weighted_plan.hpp"

#include <utility>

namespace kcell::nn {

using dnnl::memory;

void WeightedPlan::set_forward(dnnl::primitive prim, const memory::desc& wei_plain,
                               const memory::desc& src_md, const memory::desc& wei_md,
                               const memory::desc& dst_md, const memory& src) {
  wei_plain_ = wei_plain;
  src_ = in_layout(src, src_md, ctx_.engine, src_convert_, ctx_.layout_conversions);
  w_.bind_forward(ctx_.engine, wei_plain_, wei_md, params_);
  dst_ = memory(dst_md, ctx_.engine);
  fwd_ = Exec(std::move(prim),
              {{DNNL_ARG_SRC, src_},
               {DNNL_ARG_WEIGHTS, w_.weights()},
               {DNNL_ARG_BIAS, w_.bias()},
               {DNNL_ARG_DST, dst_}},
              ctx_.scratchpad);
}

void WeightedPlan::set_backward_weights(dnnl::primitive prim, const memory::desc& src_md,
                                        const memory::desc& diff_dst_md,
                                        const memory::desc& diff_wei_md, const memory& diff_dst) {
  const memory bw_src =
      in_layout(src_, src_md, ctx_.engine, bw_src_convert_, ctx_.layout_conversions);
  const memory bw_diff_dst =
      in_layout(diff_dst, diff_dst_md, ctx_.engine, bw_diff_dst_convert_, ctx_.layout_conversions);
  w_.bind_gradients(ctx_.engine, wei_plain_, diff_wei_md, params_);
  bwd_weights_ = Exec(std::move(prim),
                      {{DNNL_ARG_SRC, bw_src},
                       {DNNL_ARG_DIFF_DST, bw_diff_dst},
                       {DNNL_ARG_DIFF_WEIGHTS, w_.diff_weights()},
                       {DNNL_ARG_DIFF_BIAS, w_.diff_bias()}},
                      ctx_.scratchpad);
}

memory WeightedPlan::set_backward_data(dnnl::primitive prim, const memory::desc& diff_dst_md,
                                       const memory::desc& wei_md,
                                       const memory::desc& forward_wei_md,
                                       const memory::desc& diff_src_md, const memory& diff_dst) {
  const memory bd_diff_dst =
      in_layout(diff_dst, diff_dst_md, ctx_.engine, bd_diff_dst_convert_, ctx_.layout_conversions);
  const memory& bd_weights =
      w_.bind_backward_data(ctx_.engine, wei_plain_, wei_md, forward_wei_md, params_);
  diff_src_ = new_gradient(ctx_, diff_src_md);
  bwd_data_ = Exec(std::move(prim),
                   {{DNNL_ARG_DIFF_DST, bd_diff_dst},
                    {DNNL_ARG_WEIGHTS, bd_weights},
                    {DNNL_ARG_DIFF_SRC, diff_src_}},
                   ctx_.scratchpad);
  return diff_src_;
}

memory WeightedPlan::build_backward(const memory& diff_dst, bool need_diff_src,
                                    bool diff_dst_free) {
  const memory diff_src = build_backward_primitives(diff_dst, need_diff_src);
  done_with(ctx_, diff_dst, diff_dst_free, diff_src);
  return diff_src;
}

void WeightedPlan::forward(dnnl::stream& s) {
  if (src_convert_) src_convert_.run(s);
  w_.before_forward(s, *ctx_.weights_version);
  fwd_.run(s);
}

void WeightedPlan::backward(dnnl::stream& s) {
  if (bw_src_convert_) bw_src_convert_.run(s);
  if (bw_diff_dst_convert_) bw_diff_dst_convert_.run(s);
  w_.before_backward_weights();
  bwd_weights_.run(s);
  w_.after_backward_weights(s);
  if (!bwd_data_) return;
  if (bd_diff_dst_convert_) bd_diff_dst_convert_.run(s);
  w_.before_backward_data(s, *ctx_.weights_version);
  bwd_data_.run(s);
}

}  // namespace kcell::nn
