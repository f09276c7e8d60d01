// The build step of an InferenceContext (inference_context.cpp runs it): the graph's
// steps become primitives over numbered tensors, then the tensors get memory, so that
// tensors whose lifetimes do not overlap share one buffer (a ResNet-18 context at batch
// 256 needs three activation buffers, not forty). Its work is split by job:
// inference_build_tensors.cpp (tensors, conversions, buffer slots),
// inference_build_weighted.cpp (convolution and dense steps, fp32/bf16/int8) and
// inference_build_steps.cpp (the other steps and the walk over the graph).
// Included by those files only.
#pragma once

#include <cstdint>
#include <dnnl.hpp>
#include <utility>
#include <vector>

#include "infer/inference_context.hpp"
#include "nn/dnnl_compat.hpp"

namespace kcell::infer {

// The build files' shorthands (this header is theirs alone).
using dnnl::algorithm;
using dnnl::memory;
namespace compat = nn::compat;

struct InferenceContext::Build {
  // A plain (row-major) descriptor of rank 1, 2 or 4.
  static memory::desc plain_of(const memory::dims& dims, memory::data_type type) {
    using tag = memory::format_tag;
    return {dims, type, dims.size() == 2 ? tag::ab : dims.size() == 4 ? tag::abcd : tag::a};
  }

  struct Tensor {
    memory::desc md;
    int storage = 0;
    float scale = 1.f;  // int8 tensors: quantised = real × scale
  };
  struct Storage {
    int first = -1, last = -1;  // ops that write it first and use it last
    bool external = false;      // the caller's images
    int slot = -1;
  };
  struct Op {
    dnnl::primitive prim;
    int src = -1, dst = -1;
    memory weights, bias, scale, shift, mean, var;
    memory::desc scratchpad;
  };

  const InferenceGraph& g;
  WeightStore& weights;
  dnnl::engine eng;
  int64_t n;
  memory::data_type type;
  const ValueRanges* ranges;                  // int8 only
  std::vector<std::vector<float>>& owned;     // vectors the primitives read
  std::vector<std::pair<int, int>> produced;  // (op, graph value it computes)
  std::vector<Tensor> tensors;
  std::vector<Storage> storages;
  std::vector<Op> ops;
  std::vector<int> tensor_of;                  // graph value -> tensor holding it
  std::vector<std::pair<int, int>> converted;  // (tensor, its copy in another layout)
  std::vector<int> last_readers;
  int conversions = 0;

  Build(const InferenceGraph& graph, WeightStore& w, const dnnl::engine& e, int64_t batch,
        memory::data_type t, const ValueRanges* r, std::vector<std::vector<float>>& keep)
      : g(graph),
        weights(w),
        eng(e),
        n(batch),
        type(t),
        ranges(r),
        owned(keep),
        tensor_of(graph.values.size(), -1),
        last_readers(graph.last_readers()) {}

  bool int8() const { return type == memory::data_type::s8; }
  // What the steps without an int8 form compute in.
  memory::data_type float_type() const { return int8() ? memory::data_type::f32 : type; }

  // How int8 mode stores graph value v: u8 when it was never negative on the calibration
  // images, else s8; the scale maps its largest magnitude onto the type's largest value.
  std::pair<memory::data_type, float> quantisation(int v) const;

  int add_tensor(const memory::desc& md, int storage = -1, float scale = 1.f);
  float scale_of(int t) const { return tensors[static_cast<size_t>(t)].scale; }
  const memory::desc& md_of(int t) const { return tensors[static_cast<size_t>(t)].md; }
  bool is_external(int t) const {
    return storages[static_cast<size_t>(tensors[static_cast<size_t>(t)].storage)].external;
  }
  memory::dims dims(int value) const { return g.values[static_cast<size_t>(value)].dims(n); }
  memory::desc any(const memory::dims& d, memory::data_type t) const {
    return compat::any_md(d, t);
  }

  // An op copying (and converting: layout, type, int8 scale) tensor `from` into `to`.
  void copy(int from, int to);

  // Tensor t in layout (and type) `want`, with int8 scale `scale`: t itself, or a
  // converted copy (made once).
  int converted_to(int t, const memory::desc& want, float scale);

  // Tensor t in layout `want`: int8 stays quantised as it is, floats are real values.
  int in_layout(int t, const memory::desc& want);

  // The tensor of `value` in the floating-point compute type and a layout the next step
  // may keep.
  int typed_input(int value);

  memory weights_memory(size_t step, const memory::desc& want) {
    return memory(want, eng, weights.packed(step, want));
  }
  memory plain_vector(const std::vector<float>& v);

  // Appends the op that computes graph value `value`.
  void emit(Op op, int value);

  // Appends step k's convolution or inner product, reading the shared packed weights.
  template <class PrimitiveDesc>
  void emit_weighted(size_t k, Op op, dnnl::primitive prim, const PrimitiveDesc& pd,
                     const std::vector<float>& bias) {
    op.prim = std::move(prim);
    op.weights = weights_memory(k, pd.weights_desc());
    op.bias = plain_vector(bias);
    op.scratchpad = pd.scratchpad_desc();
    emit(std::move(op), g.steps[k].output);
  }

  // int8 convolution and dense layers: the destination's type and scale, the output scales
  // and bias as oneDNN wants them (compat::int8_output_scaling).
  struct Int8Plan {
    memory::data_type src_type, dst_type;
    float src_scale, dst_scale;
    std::vector<float> output_scales;
    const std::vector<float>* bias;
  };
  Int8Plan int8_plan(const Step& s);

  void add_conv_int8(size_t k);

  void add_dense_int8(size_t k);

  void add_conv(size_t k);

  // Tensor t (n × C × H × W) seen as n rows of C·H·W plain values, on the same memory
  // (after a conversion to plain order when its layout differs). A 1 × 1 image in
  // channels-last order, or blocked by 16 channels when they are a multiple of 16, is
  // already such rows.
  int as_rows(int t);

  void add_dense(size_t k);

  void add_batch_norm(size_t k);

  void add_relu(size_t k);

  void add_pool(size_t k);

  // C × H × W in plain order, then seen as one row of features per image.
  void add_flatten(size_t k);

  // Returns the tensor holding the logits, plain f32.
  int build(int& input_tensor);

  // Gives every non-external storage a slot: a buffer shared with storages whose lifetime
  // (first write to last use) does not overlap. Returns the slots' sizes in bytes.
  std::vector<size_t> assign_slots(int output_tensor);
};

}  // namespace kcell::infer
