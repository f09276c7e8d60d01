// InferenceContext::Build: convolution and dense steps (fp32, bf16, int8), each trying the
// layouts that spare conversions first (compat::first_supported).
#include "infer/inference_build.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <limits>
#include <string>
#include <tuple>
#include <utility>

#include "common/error.hpp"

namespace kcell::infer {

InferenceContext::Build::Int8Plan InferenceContext::Build::int8_plan(const Step& s) {
  Int8Plan p;
  std::tie(p.src_type, p.src_scale) = quantisation(s.input);
  if (s.output == g.output) {
    p.dst_type = memory::data_type::f32;  // logits stay f32
    p.dst_scale = 1.f;
  } else {
    std::tie(p.dst_type, p.dst_scale) = quantisation(s.output);
  }
  compat::Int8OutputScaling scaling =
      compat::int8_output_scaling(p.src_scale, p.dst_scale, WeightStore::int8_scales(s), s.bias);
  p.output_scales = std::move(scaling.output_scales);
  owned.push_back(std::move(scaling.bias));  // moving keeps the buffer the primitive reads
  p.bias = &owned.back();
  return p;
}

void InferenceContext::Build::add_conv_int8(size_t k) {
  const Step& s = g.steps[k];
  const Int8Plan p = int8_plan(s);
  const memory::dims strides = {s.stride, s.stride}, pad = {s.pad, s.pad};
  const memory::desc bias_md =
      s.bias.empty() ? memory::desc() : compat::plain_md({s.weight_dims[0]});
  const auto pd = compat::make_conv_inference_pd(
      eng, any(dims(s.input), p.src_type), any(s.weight_dims, memory::data_type::s8), bias_md,
      any(dims(s.output), p.dst_type), strides, pad, pad,
      compat::int8_inference_attr(p.output_scales, s.relu));
  Op op;
  op.src = converted_to(tensor_of[static_cast<size_t>(s.input)], pd.src_desc(), p.src_scale);
  op.dst = add_tensor(pd.dst_desc(), -1, p.dst_scale);
  emit_weighted(k, std::move(op), dnnl::convolution_forward(pd), pd, *p.bias);
}

void InferenceContext::Build::add_dense_int8(size_t k) {
  const Step& s = g.steps[k];
  const Int8Plan p = int8_plan(s);
  int src = tensor_of[static_cast<size_t>(s.input)];
  if (s.weight_dims.size() == 2 && compat::md_ndims(md_of(src)) == 4) src = as_rows(src);
  const memory::desc bias_md =
      s.bias.empty() ? memory::desc() : compat::plain_md({s.weight_dims[0]});
  const memory::desc wei_any = any(s.weight_dims, memory::data_type::s8);
  const memory::desc src_any = any(compat::md_dims(md_of(src)), p.src_type);
  const auto attr = compat::int8_inference_attr(p.output_scales, s.relu);
  const memory::desc dst_md = any(dims(s.output), p.dst_type);
  // The input as it is when it already has the type, else the layout oneDNN prefers.
  std::vector<memory::desc> inputs = {src_any};
  if (md_of(src).data_type() == p.src_type) inputs.insert(inputs.begin(), md_of(src));
  const auto pd = compat::first_supported(inputs, [&](const memory::desc& in) {
    return compat::make_ip_inference_pd(eng, in, wei_any, bias_md, dst_md, attr);
  });
  Op op;
  op.src = converted_to(src, pd.src_desc(), p.src_scale);
  op.dst = add_tensor(pd.dst_desc(), -1, p.dst_scale);
  emit_weighted(k, std::move(op), dnnl::inner_product_forward(pd), pd, *p.bias);
}

void InferenceContext::Build::add_conv(size_t k) {
  const Step& s = g.steps[k];
  if (int8() && s.residual < 0) return add_conv_int8(k);
  const memory::data_type type = float_type();
  const memory::dims strides = {s.stride, s.stride}, pad = {s.pad, s.pad};
  const memory::desc bias_md =
      s.bias.empty() ? memory::desc() : compat::plain_md({s.weight_dims[0]});
  const auto make_pd = [&](const memory::desc& src_md, const memory::desc& dst_md) {
    return compat::make_conv_inference_pd(eng, src_md, any(s.weight_dims, type), bias_md, dst_md,
                                          strides, pad, pad,
                                          compat::inference_attr(s.residual >= 0, s.relu));
  };
  // Read the input in the layout it has and, for a residual add, write in the shortcut's:
  // no conversions between steps whose preferred layouts differ (Winograd and direct
  // convolutions, the caller's plain images). Unless only oneDNN's reference code
  // handles those layouts: then the layouts the convolution prefers.
  const int input = tensor_of[static_cast<size_t>(s.input)];
  const memory::desc dst_any = any(dims(s.output), type);
  const int shortcut = s.residual >= 0 ? tensor_of[static_cast<size_t>(s.residual)] : -1;
  const memory::desc dst_kept =
      shortcut >= 0 && md_of(shortcut).data_type() == type ? md_of(shortcut) : dst_any;
  std::vector<compat::LayoutPair> layouts = {{any(dims(s.input), type), dst_any}};
  if (md_of(input).data_type() == type) layouts.insert(layouts.begin(), {md_of(input), dst_kept});
  const auto pd = compat::first_supported(
      layouts, [&](const compat::LayoutPair& l) { return make_pd(l.first, l.second); },
      [](const auto& kept) { return !compat::is_reference_impl(kept); });
  Op op;
  op.src = in_layout(tensor_of[static_cast<size_t>(s.input)], pd.src_desc());
  if (s.residual >= 0) {
    // The sum post-op adds to what dst holds: the shortcut, written there in place when
    // nothing reads it afterwards, copied there otherwise.
    const int r = tensor_of[static_cast<size_t>(s.residual)];
    if (md_of(r) == pd.dst_desc() && !is_external(r) &&
        last_readers[static_cast<size_t>(s.residual)] == static_cast<int>(k)) {
      op.dst = add_tensor(pd.dst_desc(), tensors[static_cast<size_t>(r)].storage);
    } else {
      op.dst = add_tensor(pd.dst_desc());
      copy(r, op.dst);
      if (!(md_of(r) == pd.dst_desc())) ++conversions;
    }
  } else {
    op.dst = add_tensor(pd.dst_desc());
  }
  emit_weighted(k, std::move(op), dnnl::convolution_forward(pd), pd, s.bias);
}

void InferenceContext::Build::add_dense(size_t k) {
  const Step& s = g.steps[k];
  if (int8()) return add_dense_int8(k);
  const memory::data_type type = float_type();
  int src = typed_input(s.input);
  if (s.weight_dims.size() == 2 && compat::md_ndims(md_of(src)) == 4) src = as_rows(src);
  const memory::desc given = md_of(src);
  const memory::desc wei_any = any(s.weight_dims, type);
  const memory::desc bias_md =
      s.bias.empty() ? memory::desc() : compat::plain_md({s.weight_dims[0]});
  // Logits stay f32 whatever the compute type.
  const memory::desc dst_md =
      any(dims(s.output), s.output == g.output ? memory::data_type::f32 : type);
  const auto attr = compat::inference_attr(false, s.relu);
  std::vector<compat::LayoutPair> layouts = {{given, wei_any},
                                             {any(compat::md_dims(given), type), wei_any}};
  const memory::desc like = compat::weights_like(given, s.weight_dims);
  if (!like.is_zero()) layouts.insert(layouts.begin(), {given, like});
  const auto pd = compat::first_supported(layouts, [&](const compat::LayoutPair& l) {
    return compat::make_ip_inference_pd(eng, l.first, l.second, bias_md, dst_md, attr);
  });
  Op op;
  op.src = in_layout(src, pd.src_desc());
  op.dst = add_tensor(pd.dst_desc());
  emit_weighted(k, std::move(op), dnnl::inner_product_forward(pd), pd, s.bias);
}

}  // namespace kcell::infer
