// oneDNN 2.x implementations of the compat layer (operation descriptor -> primitive
// descriptor). For 3.x, each body becomes a direct primitive_desc constructor call.
#include "nn/dnnl_compat.hpp"

#include <omp.h>

#include <algorithm>
#include <string>

#include "common/error.hpp"

#if DNNL_VERSION_MAJOR != 2
#error "kcell's nn/dnnl_compat.cpp is written for oneDNN 2.x; port it for this version"
#endif

namespace kcell::nn::compat {

using dnnl::algorithm;
using dnnl::prop_kind;
using tag = memory::format_tag;

namespace {

// oneDNN's Winograd kernels (F(4×4, 3×3) and F(2×2, 3×3)) do a 3×3 stride-1 f32
// convolution with fewer multiplications: 1.3–2.2× faster than direct on AVX-512 here,
// forward and backward data alike (backward weights is not faster, so it stays direct).
// Not with fewer than 16 channels or fewer images than threads (oneDNN, like this check,
// uses omp_get_max_threads()), where direct was faster; nor with more than 128 channels
// on maps smaller than 8×8 (ResNet-18's last stages on 28-px images), where its transformed
// weights (4× the size) and scratchpad grow to tens of megabytes for no gain. From 8×8 up
// (images of 64 px and more) Winograd did 256 and 512 channels 2-4× faster than direct
// here (forward, batch 16), and a plan's primitives share one scratchpad (nn/exec.hpp),
// which those layers do not enlarge.
// oneDNN has Winograd only for some shapes and CPUs, so direct is also the fallback.
bool winograd_fits(const memory::desc& src, const memory::desc& weights, const Dims& strides) {
  const Dims w = weights.dims();
  const Dims s = src.dims();
  const int64_t most = s.size() == 4 && s[2] >= 8 && s[3] >= 8 ? 512 : 128;
  const auto channels_fit = [most](int64_t c) { return c >= 16 && c <= most; };
  return weights.data_type() == memory::data_type::f32 && w.size() == 4 && channels_fit(w[0]) &&
         channels_fit(w[1]) && w[2] == 3 && w[3] == 3 && strides == Dims{1, 1} &&
         src.dims()[0] >= omp_get_max_threads();
}

// oneDNN 2.6's direct bf16 backward-weights kernel (`jit_bf16`) is slow for strided
// convolutions when it runs on more than one thread, and collapses when the machine is
// shared: it reduces the threads' partial sums behind spinning barriers, so each time the
// scheduler takes one thread away the others spin for the whole time slice. For resnet8's
// two 3×3 stride-2 layers at batch 128 on 2 threads it took 5–9 ms against 4–5 ms for the
// gemm-based implementation (im2col and one bf16 GEMM per image) on an idle machine, and
// 820–850 ms against 13–18 ms beside a niced compiler. The 1×1 stride-2 shortcuts it also
// serves (where oneDNN does not pick `jit_bf16_1x1`) were 3× faster by gemm. fp32's direct
// kernel stays: it was the fastest everywhere. tests/bench/conv_impls.cpp measures each
// candidate per layer.
bool gemm_beats_direct_bwd_weights(const memory::desc& src, const Dims& strides,
                                   const char* preferred_impl) {
  const bool strided = std::any_of(strides.begin(), strides.end(), [](auto s) { return s > 1; });
  return strided && src.data_type() == memory::data_type::bf16 && omp_get_max_threads() > 1 &&
         std::string(preferred_impl).rfind("jit_bf16:", 0) == 0;
}

// The first of oneDNN's implementations of `pd`'s operation whose name contains `name`,
// or `pd` itself (oneDNN's first choice) when none does. oneDNN 2.x walks them with
// next_impl(), which needs the operation descriptor `pd` was made from still alive.
template <class PrimitiveDesc>
PrimitiveDesc implementation_named(const PrimitiveDesc& pd, const char* name) {
  auto candidate = pd;  // next_impl() moves this copy only
  while (candidate.next_impl()) {
    if (std::string(candidate.impl_info_str()).find(name) != std::string::npos) return candidate;
  }
  return pd;
}

// Batch norm in training by oneDNN 2.6's `bnorm_tbb_jit` (written for runtimes without
// barriers: statistics, then normalisation, as separate parallel passes) instead of its
// first choice `bnorm_jit` (one pass, spinning barriers between the phases), where that
// was faster: bf16, and fp32 from 7×7 down. Forward + backward ms, batch 128, nChw16c,
// 2 threads (median of 35, run at real-time priority so neighbours do not count):
//   bf16: 32@28×28 0.92 → 0.84, 64@14×14 0.40 → 0.46, 128@7×7 0.70 → 0.26, 256@4×4 0.53 → 0.15
//   fp32: 32@28×28 0.95 → 1.05, 64@14×14 0.47 → 0.57, 128@7×7 0.35 → 0.30, 256@4×4 0.25 → 0.19
// On one thread there are no barriers to avoid.
bool prefer_barrier_free_batch_norm(const memory::desc& data) {
  const Dims d = data.dims();
  const bool small_maps = d.size() == 4 && d[2] * d[3] <= 49;
  return omp_get_max_threads() > 1 && (data.data_type() == memory::data_type::bf16 || small_maps);
}

template <class Make>
auto winograd_or_direct(bool winograd, const Make& make) {
  if (winograd) {
    try {
      return make(algorithm::convolution_winograd);
    } catch (const dnnl::error&) {
      // no Winograd implementation for this case: direct below
    }
  }
  return make(algorithm::convolution_direct);
}

}  // namespace

Dims md_dims(const memory::desc& md) { return md.dims(); }

int md_ndims(const memory::desc& md) { return md.data.ndims; }

memory::desc plain_md(const Dims& dims) {
  switch (dims.size()) {
    case 1:
      return {dims, memory::data_type::f32, tag::a};
    case 2:
      return {dims, memory::data_type::f32, tag::ab};
    case 4:
      return {dims, memory::data_type::f32, tag::abcd};
    default:
      fail(Status::internal, "plain_md: unsupported rank " + std::to_string(dims.size()));
  }
}

memory::desc any_md(const Dims& dims) { return {dims, memory::data_type::f32, tag::any}; }

dnnl::primitive_attr user_scratchpad(dnnl::primitive_attr attr) {
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

namespace {
const dnnl::primitive_attr& training_attr() {
  static const dnnl::primitive_attr attr = user_scratchpad();
  return attr;
}
}  // namespace

dnnl::primitive_attr relu_post_op_attr() {
  dnnl::post_ops ops;
  ops.append_eltwise(1.f, algorithm::eltwise_relu, 0.f, 0.f);
  dnnl::primitive_attr attr = user_scratchpad();
  attr.set_post_ops(ops);
  return attr;
}

memory::desc scratchpad_desc(const dnnl::primitive& primitive) {
  const_dnnl_primitive_desc_t pd = nullptr;
  dnnl::error::wrap_c_api(dnnl_primitive_get_primitive_desc(primitive.get(), &pd),
                          "could not get a primitive descriptor");
  const dnnl_memory_desc_t* md = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
  return md == nullptr ? memory::desc() : memory::desc(*md);
}

dnnl::reorder make_reorder(const memory& from, const memory& to) {
  return dnnl::reorder(dnnl::reorder::primitive_desc(from, to, training_attr()));
}

dnnl::convolution_forward::primitive_desc make_conv_fwd_pd(
    const dnnl::engine& eng, prop_kind prop, const memory::desc& src, const memory::desc& weights,
    const memory::desc& bias, const memory::desc& dst, const Dims& strides, const Dims& pad_l,
    const Dims& pad_r, ConvAlgorithm choice) {
  const auto make = [&](dnnl::algorithm alg) {
    dnnl::convolution_forward::desc d(prop, alg, src, weights, bias, dst, strides, pad_l, pad_r);
    return dnnl::convolution_forward::primitive_desc(d, training_attr(), eng);
  };
  switch (choice) {
    case ConvAlgorithm::direct:
      return make(algorithm::convolution_direct);
    case ConvAlgorithm::winograd:
      return make(algorithm::convolution_winograd);
    default:
      return winograd_or_direct(winograd_fits(src, weights, strides), make);
  }
}

dnnl::convolution_backward_data::primitive_desc make_conv_bwd_data_pd(
    const dnnl::engine& eng, const memory::desc& diff_src, const memory::desc& weights,
    const memory::desc& diff_dst, const Dims& strides, const Dims& pad_l, const Dims& pad_r,
    const dnnl::convolution_forward::primitive_desc& hint) {
  return winograd_or_direct(winograd_fits(diff_src, weights, strides), [&](algorithm alg) {
    dnnl::convolution_backward_data::desc d(alg, diff_src, weights, diff_dst, strides, pad_l,
                                            pad_r);
    return dnnl::convolution_backward_data::primitive_desc(d, training_attr(), eng, hint);
  });
}

dnnl::convolution_backward_weights::primitive_desc make_conv_bwd_weights_pd(
    const dnnl::engine& eng, const memory::desc& src, const memory::desc& diff_weights,
    const memory::desc& diff_bias, const memory::desc& diff_dst, const Dims& strides,
    const Dims& pad_l, const Dims& pad_r, const dnnl::convolution_forward::primitive_desc& hint) {
  dnnl::convolution_backward_weights::desc d(algorithm::convolution_direct, src, diff_weights,
                                             diff_bias, diff_dst, strides, pad_l, pad_r);
  dnnl::convolution_backward_weights::primitive_desc pd(d, training_attr(), eng, hint);
  return gemm_beats_direct_bwd_weights(src, strides, pd.impl_info_str())
             ? implementation_named(pd, "gemm:jit")
             : pd;
}

dnnl::inner_product_forward::primitive_desc make_ip_fwd_pd(const dnnl::engine& eng, prop_kind prop,
                                                           const memory::desc& src,
                                                           const memory::desc& weights,
                                                           const memory::desc& bias,
                                                           const memory::desc& dst) {
  dnnl::inner_product_forward::desc d(prop, src, weights, bias, dst);
  return {d, training_attr(), eng};
}

dnnl::inner_product_backward_data::primitive_desc make_ip_bwd_data_pd(
    const dnnl::engine& eng, const memory::desc& diff_src, const memory::desc& weights,
    const memory::desc& diff_dst, const dnnl::inner_product_forward::primitive_desc& hint) {
  dnnl::inner_product_backward_data::desc d(diff_src, weights, diff_dst);
  return {d, training_attr(), eng, hint};
}

dnnl::inner_product_backward_weights::primitive_desc make_ip_bwd_weights_pd(
    const dnnl::engine& eng, const memory::desc& src, const memory::desc& diff_weights,
    const memory::desc& diff_bias, const memory::desc& diff_dst,
    const dnnl::inner_product_forward::primitive_desc& hint) {
  dnnl::inner_product_backward_weights::desc d(src, diff_weights, diff_bias, diff_dst);
  return {d, training_attr(), eng, hint};
}

dnnl::batch_normalization_forward::primitive_desc make_bn_fwd_pd(const dnnl::engine& eng,
                                                                 prop_kind prop,
                                                                 const memory::desc& data,
                                                                 float eps,
                                                                 dnnl::normalization_flags flags) {
  dnnl::batch_normalization_forward::desc d(prop, data, eps, flags);
  dnnl::batch_normalization_forward::primitive_desc pd(d, training_attr(), eng);
  return prefer_barrier_free_batch_norm(data) ? implementation_named(pd, "bnorm_tbb_jit") : pd;
}

dnnl::batch_normalization_backward::primitive_desc make_bn_bwd_pd(
    const dnnl::engine& eng, const memory::desc& diff_data, const memory::desc& data, float eps,
    dnnl::normalization_flags flags,
    const dnnl::batch_normalization_forward::primitive_desc& hint) {
  dnnl::batch_normalization_backward::desc d(prop_kind::backward, diff_data, data, eps, flags);
  dnnl::batch_normalization_backward::primitive_desc pd(d, training_attr(), eng, hint);
  return prefer_barrier_free_batch_norm(data) ? implementation_named(pd, "bnorm_tbb_jit") : pd;
}

dnnl::eltwise_forward::primitive_desc make_eltwise_fwd_pd(const dnnl::engine& eng, prop_kind prop,
                                                          algorithm alg, const memory::desc& data,
                                                          float alpha, float beta) {
  dnnl::eltwise_forward::desc d(prop, alg, data, alpha, beta);
  return {d, training_attr(), eng};
}

dnnl::eltwise_backward::primitive_desc make_eltwise_bwd_pd(
    const dnnl::engine& eng, algorithm alg, const memory::desc& diff_data, const memory::desc& data,
    float alpha, float beta, const dnnl::eltwise_forward::primitive_desc& hint) {
  dnnl::eltwise_backward::desc d(alg, diff_data, data, alpha, beta);
  return {d, training_attr(), eng, hint};
}

dnnl::pooling_forward::primitive_desc make_pool_fwd_pd(const dnnl::engine& eng, prop_kind prop,
                                                       algorithm alg, const memory::desc& src,
                                                       const memory::desc& dst, const Dims& strides,
                                                       const Dims& kernel, const Dims& pad_l,
                                                       const Dims& pad_r) {
  dnnl::pooling_forward::desc d(prop, alg, src, dst, strides, kernel, pad_l, pad_r);
  return {d, training_attr(), eng};
}

dnnl::pooling_backward::primitive_desc make_pool_bwd_pd(
    const dnnl::engine& eng, algorithm alg, const memory::desc& diff_src,
    const memory::desc& diff_dst, const Dims& strides, const Dims& kernel, const Dims& pad_l,
    const Dims& pad_r, const dnnl::pooling_forward::primitive_desc& hint) {
  dnnl::pooling_backward::desc d(alg, diff_src, diff_dst, strides, kernel, pad_l, pad_r);
  return {d, training_attr(), eng, hint};
}

dnnl::binary::primitive_desc make_binary_pd(const dnnl::engine& eng, algorithm alg,
                                            const memory::desc& src0, const memory::desc& src1,
                                            const memory::desc& dst,
                                            const dnnl::primitive_attr& attr) {
  dnnl::binary::desc d(alg, src0, src1, dst);
  return {d, user_scratchpad(attr), eng};
}

// --- Inference-only primitives ------------------------------------------------------

memory::desc any_md(const Dims& dims, memory::data_type type) { return {dims, type, tag::any}; }

dnnl::primitive_attr inference_attr(bool sum, bool relu) {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  if (sum || relu) {
    dnnl::post_ops ops;
    if (sum) ops.append_sum(1.f);
    if (relu) ops.append_eltwise(1.f, algorithm::eltwise_relu, 0.f, 0.f);
    attr.set_post_ops(ops);
  }
  return attr;
}

// oneDNN 2.x: output scales (3.x: per-argument scales given at execution).
dnnl::primitive_attr int8_inference_attr(const std::vector<float>& scales, bool relu) {
  dnnl::primitive_attr attr = inference_attr(false, relu);
  attr.set_output_scales(scales.size() == 1 ? 0 : 1 << 1, scales);
  return attr;
}

dnnl::primitive_attr scaled_reorder_attr(const std::vector<float>& scales) {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  attr.set_output_scales(scales.size() == 1 ? 0 : 1 << 0, scales);
  return attr;
}

dnnl::convolution_forward::primitive_desc make_conv_inference_pd(
    const dnnl::engine& eng, const memory::desc& src, const memory::desc& weights,
    const memory::desc& bias, const memory::desc& dst, const Dims& strides, const Dims& pad_l,
    const Dims& pad_r, const dnnl::primitive_attr& attr) {
  return winograd_or_direct(winograd_fits(src, weights, strides), [&](algorithm alg) {
    dnnl::convolution_forward::desc d(prop_kind::forward_inference, alg, src, weights, bias, dst,
                                      strides, pad_l, pad_r);
    return dnnl::convolution_forward::primitive_desc(d, attr, eng);
  });
}

dnnl::inner_product_forward::primitive_desc make_ip_inference_pd(
    const dnnl::engine& eng, const memory::desc& src, const memory::desc& weights,
    const memory::desc& bias, const memory::desc& dst, const dnnl::primitive_attr& attr) {
  dnnl::inner_product_forward::desc d(prop_kind::forward_inference, src, weights, bias, dst);
  return {d, attr, eng};
}

dnnl::batch_normalization_forward::primitive_desc make_bn_inference_pd(
    const dnnl::engine& eng, const memory::desc& data, float eps, bool relu,
    const dnnl::primitive_attr& attr) {
  using flags = dnnl::normalization_flags;
  flags f = flags::use_global_stats | flags::use_scale | flags::use_shift;
  if (relu) f |= flags::fuse_norm_relu;
  dnnl::batch_normalization_forward::desc d(prop_kind::forward_inference, data, eps, f);
  return {d, attr, eng};
}

dnnl::eltwise_forward::primitive_desc make_eltwise_inference_pd(const dnnl::engine& eng,
                                                                algorithm alg,
                                                                const memory::desc& data,
                                                                float alpha, float beta,
                                                                const dnnl::primitive_attr& attr) {
  dnnl::eltwise_forward::desc d(prop_kind::forward_inference, alg, data, alpha, beta);
  return {d, attr, eng};
}

dnnl::pooling_forward::primitive_desc make_pool_inference_pd(
    const dnnl::engine& eng, algorithm alg, const memory::desc& src, const memory::desc& dst,
    const Dims& strides, const Dims& kernel, const Dims& pad_l, const Dims& pad_r,
    const dnnl::primitive_attr& attr) {
  dnnl::pooling_forward::desc d(prop_kind::forward_inference, alg, src, dst, strides, kernel, pad_l,
                                pad_r);
  return {d, attr, eng};
}

dnnl::reorder::primitive_desc make_reorder_pd(const dnnl::engine& eng, const memory::desc& from,
                                              const memory::desc& to,
                                              const dnnl::primitive_attr& attr) {
  return {eng, from, eng, to, attr};
}

bool cpu_has_bf16() {
  switch (dnnl::get_effective_cpu_isa()) {
    case dnnl::cpu_isa::avx512_core_bf16:
    case dnnl::cpu_isa::avx512_core_amx:
      return true;
    default:
      return false;
  }
}

bool cpu_has_vnni() {
  switch (dnnl::get_effective_cpu_isa()) {
    case dnnl::cpu_isa::avx2_vnni:
    case dnnl::cpu_isa::avx512_core_vnni:
    case dnnl::cpu_isa::avx512_core_bf16:
    case dnnl::cpu_isa::avx512_core_amx:
      return true;
    default:
      return false;
  }
}

bool cpu_has_winograd() {
  static const bool has = [] {
    try {
      dnnl::engine eng(dnnl::engine::kind::cpu, 0);
      const Dims pad = {1, 1};
      // A shape every Winograd kernel of oneDNN 2.6 takes (32 channels, 28×28, 16 images).
      dnnl::convolution_forward::desc d(
          prop_kind::forward_inference, algorithm::convolution_winograd, any_md({16, 32, 28, 28}),
          any_md({32, 32, 3, 3}), memory::desc(), any_md({16, 32, 28, 28}), {1, 1}, pad, pad);
      dnnl::convolution_forward::primitive_desc(d, eng);
      return true;
    } catch (const dnnl::error&) {
      return false;
    }
  }();
  return has;
}

int cpu_vector_bits() {
  switch (dnnl::get_effective_cpu_isa()) {
    case dnnl::cpu_isa::avx512_core:
    case dnnl::cpu_isa::avx512_core_vnni:
    case dnnl::cpu_isa::avx512_core_bf16:
    case dnnl::cpu_isa::avx512_core_amx:
      return 512;
    case dnnl::cpu_isa::avx:
    case dnnl::cpu_isa::avx2:
    case dnnl::cpu_isa::avx2_vnni:
      return 256;
    default:
      return 128;
  }
}

// --- bf16 training ----------------------------------------------------------------------

memory::desc plain_md(const Dims& dims, memory::data_type type) {
  return with_type(plain_md(dims), type);
}

memory::desc with_type(const memory::desc& md, memory::data_type type) {
  // 2.x: the C struct is public; a blocked layout's strides count elements, not bytes, so
  // only the type field changes.
  memory::desc out = md;
  out.data.data_type = static_cast<dnnl_data_type_t>(type);
  return out;
}

memory::data_type md_type(const memory::desc& md) { return md.data_type(); }

const char* effective_isa_name() {
  switch (dnnl::get_effective_cpu_isa()) {
    case dnnl::cpu_isa::sse41:
      return "sse41";
    case dnnl::cpu_isa::avx:
      return "avx";
    case dnnl::cpu_isa::avx2:
      return "avx2";
    case dnnl::cpu_isa::avx2_vnni:
      return "avx2_vnni";
    case dnnl::cpu_isa::avx512_core:
      return "avx512_core";
    case dnnl::cpu_isa::avx512_core_vnni:
      return "avx512_core_vnni";
    case dnnl::cpu_isa::avx512_core_bf16:
      return "avx512_core_bf16";
    case dnnl::cpu_isa::avx512_core_amx:
      return "avx512_core_amx";
    default:
      return "an ISA older than sse41 or not known to kcell";
  }
}

memory::desc weights_like(const memory::desc& src, const Dims& wei_dims) {
  using tag = memory::format_tag;
  const Dims src_dims = md_dims(src);
  if (src_dims.size() != wei_dims.size()) return {};
  const auto tags = src_dims.size() == 2
                        ? std::vector<tag>{tag::ab}
                        : std::vector<tag>{tag::abcd, tag::aBcd16b, tag::aBcd8b, tag::acdb};
  const memory::data_type type = md_type(src);
  for (tag t : tags)
    if (memory::desc(src_dims, type, t) == src) return memory::desc(wei_dims, type, t);
  return {};
}

memory::desc channels_last_md(const Dims& dims, memory::data_type type) {
  return {dims, type, tag::nhwc};
}

const char* layout_name(const memory::desc& md) {
  const std::pair<tag, const char*> known[] = {
      {tag::nchw, "nchw"}, {tag::nhwc, "nhwc"}, {tag::nChw16c, "nChw16c"}, {tag::nChw8c, "nChw8c"}};
  if (md.dims().size() != 4) return "other";
  for (const auto& [t, name] : known)
    if (memory::desc(md.dims(), md.data_type(), t) == md) return name;
  return "other";
}

namespace {
// oneDNN 2.x's iterator keeps a pointer to the operation descriptor (and the hint), not a
// copy: `d` must outlive the iteration. Each implementation it yields owns its copy.
template <class PrimitiveDesc, class OpDesc, class... Hint>
std::vector<PrimitiveDesc> all_implementations(const OpDesc& d, const dnnl::engine& eng,
                                               const Hint&... hint) {
  PrimitiveDesc pd(d, training_attr(), eng, hint...);
  std::vector<PrimitiveDesc> all{pd};
  while (pd.next_impl()) all.push_back(pd);
  return all;
}
}  // namespace

std::vector<dnnl::convolution_forward::primitive_desc> conv_fwd_implementations(
    const dnnl::engine& eng, prop_kind prop, const memory::desc& src, const memory::desc& weights,
    const memory::desc& bias, const memory::desc& dst, const Dims& strides, const Dims& pad_l,
    const Dims& pad_r) {
  const dnnl::convolution_forward::desc d(prop, algorithm::convolution_direct, src, weights, bias,
                                          dst, strides, pad_l, pad_r);
  return all_implementations<dnnl::convolution_forward::primitive_desc>(d, eng);
}

std::vector<dnnl::convolution_backward_data::primitive_desc> conv_bwd_data_implementations(
    const dnnl::engine& eng, const memory::desc& diff_src, const memory::desc& weights,
    const memory::desc& diff_dst, const Dims& strides, const Dims& pad_l, const Dims& pad_r,
    const dnnl::convolution_forward::primitive_desc& hint) {
  const dnnl::convolution_backward_data::desc d(algorithm::convolution_direct, diff_src, weights,
                                                diff_dst, strides, pad_l, pad_r);
  return all_implementations<dnnl::convolution_backward_data::primitive_desc>(d, eng, hint);
}

std::vector<dnnl::convolution_backward_weights::primitive_desc> conv_bwd_weights_implementations(
    const dnnl::engine& eng, const memory::desc& src, const memory::desc& diff_weights,
    const memory::desc& diff_bias, const memory::desc& diff_dst, const Dims& strides,
    const Dims& pad_l, const Dims& pad_r, const dnnl::convolution_forward::primitive_desc& hint) {
  const dnnl::convolution_backward_weights::desc d(algorithm::convolution_direct, src, diff_weights,
                                                   diff_bias, diff_dst, strides, pad_l, pad_r);
  return all_implementations<dnnl::convolution_backward_weights::primitive_desc>(d, eng, hint);
}

Int8OutputScaling int8_output_scaling(float src_scale, float dst_scale,
                                      const std::vector<float>& weight_scales,
                                      const std::vector<float>& bias) {
  Int8OutputScaling out;
  out.bias.resize(bias.empty() ? 0 : weight_scales.size());
  for (size_t o = 0; o < weight_scales.size(); ++o) {
    out.output_scales.push_back(dst_scale / (src_scale * weight_scales[o]));
    if (!out.bias.empty()) out.bias[o] = bias[o] * src_scale * weight_scales[o];
  }
  return out;
}

}  // namespace kcell::nn::compat
