// The only place that knows which oneDNN major version kcell is built against.
//
// oneDNN 2.x builds a primitive descriptor from an operation descriptor (`op::desc`), 3.x
// passes the same arguments straight to the primitive descriptor's constructor; post-op and
// memory-descriptor queries changed names too. Every layer goes through these functions,
// so moving to 3.x means rewriting dnnl_compat.cpp and nothing else.
#pragma once

#include <dnnl.hpp>
#include <string>
#include <utility>
#include <vector>

namespace kcell::nn::compat {

using dnnl::memory;
using Dims = dnnl::memory::dims;

// Memory descriptor queries.
Dims md_dims(const memory::desc& md);
int md_ndims(const memory::desc& md);

// A plain (row-major, PyTorch-order) f32 descriptor for dims of rank 1, 2 or 4.
memory::desc plain_md(const Dims& dims);
// An f32 descriptor whose layout the primitive chooses (format_tag::any).
memory::desc any_md(const Dims& dims);

// Every primitive kcell creates takes its scratchpad from the caller (scratchpad_mode::user):
// oneDNN's own (library) scratchpad is per thread, so a primitive created on one thread and
// run on another (training a model from a second thread, a network kept between calls)
// would read a scratchpad that is not there. The make_*_pd functions below set it; Exec
// (nn/exec.hpp) gives each primitive its scratchpad.
dnnl::primitive_attr user_scratchpad(dnnl::primitive_attr attr = {});
// The scratchpad a primitive created that way needs (a zero descriptor for none).
memory::desc scratchpad_desc(const dnnl::primitive& primitive);
// A reorder between two memories, with a caller scratchpad.
dnnl::reorder make_reorder(const memory& from, const memory& to);

// Attributes: a ReLU applied to the primitive's output.
dnnl::primitive_attr relu_post_op_attr();

// Convolution (no dilation). bias_md may be a zero descriptor (memory::desc()) for no bias.
// `fastest` uses oneDNN's Winograd algorithm for f32 3×3 stride-1 convolutions where it
// has one and it pays (see dnnl_compat.cpp), direct otherwise; backward weights is always
// direct. `direct` is for measuring the CPU's FLOP rate.
enum class ConvAlgorithm { fastest, direct, winograd };
dnnl::convolution_forward::primitive_desc make_conv_fwd_pd(
    const dnnl::engine& eng, dnnl::prop_kind prop, const memory::desc& src,
    const memory::desc& weights, const memory::desc& bias, const memory::desc& dst,
    const Dims& strides, const Dims& pad_l, const Dims& pad_r,
    ConvAlgorithm choice = ConvAlgorithm::fastest);
dnnl::convolution_backward_data::primitive_desc make_conv_bwd_data_pd(
    const dnnl::engine& eng, const memory::desc& diff_src, const memory::desc& weights,
    const memory::desc& diff_dst, const Dims& strides, const Dims& pad_l, const Dims& pad_r,
    const dnnl::convolution_forward::primitive_desc& hint);
dnnl::convolution_backward_weights::primitive_desc make_conv_bwd_weights_pd(
    const dnnl::engine& eng, const memory::desc& src, const memory::desc& diff_weights,
    const memory::desc& diff_bias, const memory::desc& diff_dst, const Dims& strides,
    const Dims& pad_l, const Dims& pad_r, const dnnl::convolution_forward::primitive_desc& hint);

// Inner product (dense). bias_md may be a zero descriptor.
dnnl::inner_product_forward::primitive_desc make_ip_fwd_pd(
    const dnnl::engine& eng, dnnl::prop_kind prop, const memory::desc& src,
    const memory::desc& weights, const memory::desc& bias, const memory::desc& dst);
dnnl::inner_product_backward_data::primitive_desc make_ip_bwd_data_pd(
    const dnnl::engine& eng, const memory::desc& diff_src, const memory::desc& weights,
    const memory::desc& diff_dst, const dnnl::inner_product_forward::primitive_desc& hint);
dnnl::inner_product_backward_weights::primitive_desc make_ip_bwd_weights_pd(
    const dnnl::engine& eng, const memory::desc& src, const memory::desc& diff_weights,
    const memory::desc& diff_bias, const memory::desc& diff_dst,
    const dnnl::inner_product_forward::primitive_desc& hint);

// Batch normalisation; data and diff share one layout (2.x requires it).
dnnl::batch_normalization_forward::primitive_desc make_bn_fwd_pd(const dnnl::engine& eng,
                                                                 dnnl::prop_kind prop,
                                                                 const memory::desc& data,
                                                                 float eps,
                                                                 dnnl::normalization_flags flags);
dnnl::batch_normalization_backward::primitive_desc make_bn_bwd_pd(
    const dnnl::engine& eng, const memory::desc& diff_data, const memory::desc& data, float eps,
    dnnl::normalization_flags flags, const dnnl::batch_normalization_forward::primitive_desc& hint);

// Element-wise (ReLU and friends); diff_src and diff_dst share one layout.
dnnl::eltwise_forward::primitive_desc make_eltwise_fwd_pd(const dnnl::engine& eng,
                                                          dnnl::prop_kind prop, dnnl::algorithm alg,
                                                          const memory::desc& data, float alpha,
                                                          float beta);
dnnl::eltwise_backward::primitive_desc make_eltwise_bwd_pd(
    const dnnl::engine& eng, dnnl::algorithm alg, const memory::desc& diff_data,
    const memory::desc& data, float alpha, float beta,
    const dnnl::eltwise_forward::primitive_desc& hint);

// Pooling without dilation.
dnnl::pooling_forward::primitive_desc make_pool_fwd_pd(const dnnl::engine& eng,
                                                       dnnl::prop_kind prop, dnnl::algorithm alg,
                                                       const memory::desc& src,
                                                       const memory::desc& dst, const Dims& strides,
                                                       const Dims& kernel, const Dims& pad_l,
                                                       const Dims& pad_r);
dnnl::pooling_backward::primitive_desc make_pool_bwd_pd(
    const dnnl::engine& eng, dnnl::algorithm alg, const memory::desc& diff_src,
    const memory::desc& diff_dst, const Dims& strides, const Dims& kernel, const Dims& pad_l,
    const Dims& pad_r, const dnnl::pooling_forward::primitive_desc& hint);

// Element-wise binary operation (add for residual connections), optional attributes.
dnnl::binary::primitive_desc make_binary_pd(const dnnl::engine& eng, dnnl::algorithm alg,
                                            const memory::desc& src0, const memory::desc& src1,
                                            const memory::desc& dst,
                                            const dnnl::primitive_attr& attr = {});

// --- Inference-only primitives (lib/infer) -------------------------------------------
// An f32 or bf16 descriptor whose layout the primitive chooses.
memory::desc any_md(const Dims& dims, memory::data_type type);

// Attributes of an inference primitive: the scratchpad is the caller's (scratchpad_mode
// user, so each inference context owns its own), then optionally a sum with what dst
// already holds (a residual add) and optionally a ReLU, in that order.
dnnl::primitive_attr inference_attr(bool sum, bool relu);

// The same for int8 arithmetic: the s32 accumulator (bias included) times `scales` (one
// for all, or one per output channel) gives dst, then the optional ReLU.
dnnl::primitive_attr int8_inference_attr(const std::vector<float>& scales, bool relu);

// Attributes of a reorder whose output is its input times `scales`: one for all, or one
// per index of dimension 0 (per output channel of weights).
dnnl::primitive_attr scaled_reorder_attr(const std::vector<float>& scales);

// prop_kind::forward_inference primitive descriptors with attributes (convolutions: the
// fastest algorithm, as above).
dnnl::convolution_forward::primitive_desc make_conv_inference_pd(
    const dnnl::engine& eng, const memory::desc& src, const memory::desc& weights,
    const memory::desc& bias, const memory::desc& dst, const Dims& strides, const Dims& pad_l,
    const Dims& pad_r, const dnnl::primitive_attr& attr);
dnnl::inner_product_forward::primitive_desc make_ip_inference_pd(
    const dnnl::engine& eng, const memory::desc& src, const memory::desc& weights,
    const memory::desc& bias, const memory::desc& dst, const dnnl::primitive_attr& attr);
// Batch normalisation with the given statistics (use_global_stats), scale and shift, and
// the ReLU fused when `relu`.
dnnl::batch_normalization_forward::primitive_desc make_bn_inference_pd(
    const dnnl::engine& eng, const memory::desc& data, float eps, bool relu,
    const dnnl::primitive_attr& attr);
dnnl::eltwise_forward::primitive_desc make_eltwise_inference_pd(const dnnl::engine& eng,
                                                                dnnl::algorithm alg,
                                                                const memory::desc& data,
                                                                float alpha, float beta,
                                                                const dnnl::primitive_attr& attr);
dnnl::pooling_forward::primitive_desc make_pool_inference_pd(
    const dnnl::engine& eng, dnnl::algorithm alg, const memory::desc& src, const memory::desc& dst,
    const Dims& strides, const Dims& kernel, const Dims& pad_l, const Dims& pad_r,
    const dnnl::primitive_attr& attr);
dnnl::reorder::primitive_desc make_reorder_pd(const dnnl::engine& eng, const memory::desc& from,
                                              const memory::desc& to,
                                              const dnnl::primitive_attr& attr);

// Whether the CPU (as oneDNN sees it) has native bf16 arithmetic (AVX-512 BF16 or AMX).
bool cpu_has_bf16();

// Whether the CPU multiplies 8-bit integers with 32-bit sums (VNNI: AVX-512 VNNI or
// AVX-VNNI). Without it oneDNN's int8 kernels add pairs of u8×s8 products in 16 bits, which
// saturate unless the weights keep to 7 bits (oneDNN's int8 computation notes).
bool cpu_has_vnni();

// Whether oneDNN has its f32 Winograd convolution on this CPU (2.6: AVX-512 only), so that
// make_conv_fwd_pd's `fastest` can use it. Asked of oneDNN once, then remembered.
bool cpu_has_winograd();

// The width in bits of the widest vectors oneDNN computes with here: 512 (AVX-512), 256
// (AVX2, AVX) or 128 (SSE4.1). With bf16, the arithmetic rate a training step runs at.
int cpu_vector_bits();

// --- bf16 training (lib/nn) ------------------------------------------------------------
// A plain (row-major) descriptor of the given element type, for dims of rank 1, 2 or 4.
memory::desc plain_md(const Dims& dims, memory::data_type type);
// The same layout with another element type (e.g. a bf16 weights layout as the f32 one
// its gradient uses).
memory::desc with_type(const memory::desc& md, memory::data_type type);
memory::data_type md_type(const memory::desc& md);
// The name oneDNN gives the ISA it runs on, e.g. "avx512_core_bf16", for messages.
const char* effective_isa_name();

// --- Choosing layouts ------------------------------------------------------------------
// A (src, weights) or (src, dst) pair of descriptors to try a primitive with.
using LayoutPair = std::pair<memory::desc, memory::desc>;

// The primitive descriptor make(candidate) builds for the first candidate that oneDNN
// implements and accept(pd) takes, most preferred first; the last candidate is taken
// whenever it is implemented, and its error propagates when it is not. (oneDNN 2.x
// reports a missing implementation by throwing dnnl::error.)
template <class Candidate, class Make, class Accept>
auto first_supported(const std::vector<Candidate>& candidates, Make&& make, Accept&& accept)
    -> decltype(make(candidates.back())) {
  for (size_t i = 0; i + 1 < candidates.size(); ++i) {
    try {
      auto pd = make(candidates[i]);
      if (accept(pd)) return pd;
    } catch (const dnnl::error&) {
      // no implementation for this candidate: try the next
    }
  }
  return make(candidates.back());
}
template <class Candidate, class Make>
auto first_supported(const std::vector<Candidate>& candidates, Make&& make)
    -> decltype(make(candidates.back())) {
  return first_supported(candidates, make, [](const auto&) { return true; });
}

// Whether oneDNN chose its reference implementation (generic and slow) for `pd`.
template <class PrimitiveDesc>
bool is_reference_impl(const PrimitiveDesc& pd) {
  return std::string(pd.impl_info_str()).rfind("ref", 0) == 0;
}

// Dense weights laid out like the input `src` (o in place of n) when the input has one of
// the common layouts: the product is then one plain GEMM, and packing the weights a cheap
// blocked copy, not the slow general reorder to a layout of oneDNN's choosing. A zero
// descriptor otherwise.
memory::desc weights_like(const memory::desc& src, const Dims& wei_dims);

// --- Measuring implementations ---------------------------------------------------------
// A channels-last (NHWC) descriptor of the given element type for 4-d activations.
memory::desc channels_last_md(const Dims& dims, memory::data_type type);
// The format tag of a 4-d descriptor among those kcell meets ("nchw", "nhwc", "nChw16c",
// "nChw8c"), or "other".
const char* layout_name(const memory::desc& md);

// Every implementation oneDNN offers for a direct convolution, its preferred one first
// (what the make_conv_*_pd functions return), reference implementations included. The
// backward ones take the forward's descriptor as the hint, as above.
std::vector<dnnl::convolution_forward::primitive_desc> conv_fwd_implementations(
    const dnnl::engine& eng, dnnl::prop_kind prop, const memory::desc& src,
    const memory::desc& weights, const memory::desc& bias, const memory::desc& dst,
    const Dims& strides, const Dims& pad_l, const Dims& pad_r);
std::vector<dnnl::convolution_backward_data::primitive_desc> conv_bwd_data_implementations(
    const dnnl::engine& eng, const memory::desc& diff_src, const memory::desc& weights,
    const memory::desc& diff_dst, const Dims& strides, const Dims& pad_l, const Dims& pad_r,
    const dnnl::convolution_forward::primitive_desc& hint);
std::vector<dnnl::convolution_backward_weights::primitive_desc> conv_bwd_weights_implementations(
    const dnnl::engine& eng, const memory::desc& src, const memory::desc& diff_weights,
    const memory::desc& diff_bias, const memory::desc& diff_dst, const Dims& strides,
    const Dims& pad_l, const Dims& pad_r, const dnnl::convolution_forward::primitive_desc& hint);

// --- int8 output scaling ---------------------------------------------------------------
// oneDNN 2.x computes an int8 convolution or inner product as dst = output_scale ·
// (s32 accumulator + bias): the bias is given in the accumulator's units, and the scale
// takes the accumulator (src_scale · weight_scale units) to dst's (dst_scale units).
struct Int8OutputScaling {
  std::vector<float> output_scales;  // one per output channel
  std::vector<float> bias;           // empty when the layer has none
};
Int8OutputScaling int8_output_scaling(float src_scale, float dst_scale,
                                      const std::vector<float>& weight_scales,
                                      const std::vector<float>& bias);

}  // namespace kcell::nn::compat
