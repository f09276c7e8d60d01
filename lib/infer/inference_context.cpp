#include "infer/inference_context.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <limits>
#include <tuple>
#include <string>
#include <utility>

#include "common/error.hpp"
#include "nn/dnnl_compat.hpp"

namespace kcell::infer {

using dnnl::algorithm;
using dnnl::memory;
namespace compat = nn::compat;

namespace {

memory::desc plain_of(const memory::dims& dims, memory::data_type type) {
  using tag = memory::format_tag;
  return {dims, type, dims.size() == 2 ? tag::ab : dims.size() == 4 ? tag::abcd : tag::a};
}

}  // namespace

// Building happens in two passes: the steps become primitives over numbered tensors, and
// only then do tensors get memory, so that tensors whose lifetimes do not overlap share
// one buffer (a ResNet-18 context at batch 256 needs three activation buffers, not forty).
struct InferenceContext::Build {
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
  const ValueRanges* ranges;                   // int8 only
  std::vector<std::vector<float>>& owned;      // vectors the primitives read
  std::vector<std::pair<int, int>> produced;   // (op, graph value it computes)
  std::vector<Tensor> tensors;
  std::vector<Storage> storages;
  std::vector<Op> ops;
  std::vector<int> tensor_of;                   // graph value -> tensor holding it
  std::vector<std::pair<int, int>> converted;   // (tensor, its copy in another layout)
  std::vector<int> last_readers;
  int conversions = 0;

  Build(const InferenceGraph& graph, WeightStore& w, const dnnl::engine& e, int64_t batch,
        memory::data_type t, const ValueRanges* r, std::vector<std::vector<float>>& keep)
      : g(graph), weights(w), eng(e), n(batch), type(t), ranges(r), owned(keep),
        tensor_of(graph.values.size(), -1), last_readers(graph.last_readers()) {}

  bool int8() const { return type == memory::data_type::s8; }
  // What the steps without an int8 form compute in.
  memory::data_type float_type() const { return int8() ? memory::data_type::f32 : type; }

  // How int8 mode stores graph value v: u8 when it was never negative on the calibration
  // images, else s8; the scale maps its largest magnitude onto the type's largest value.
  std::pair<memory::data_type, float> quantisation(int v) const {
    const float lo = ranges->lo[static_cast<size_t>(v)], hi = ranges->hi[static_cast<size_t>(v)];
    const bool never_negative = lo >= 0.f;
    const float largest = std::max(std::fabs(lo), std::fabs(hi));
    const float scale = std::isfinite(largest) && largest > 0.f
                            ? (never_negative ? 255.f : 127.f) / largest
                            : 1.f;
    return {never_negative ? memory::data_type::u8 : memory::data_type::s8, scale};
  }

  int add_tensor(const memory::desc& md, int storage = -1, float scale = 1.f) {
    if (storage < 0) {
      storages.push_back({});
      storage = static_cast<int>(storages.size()) - 1;
    }
    tensors.push_back({md, storage, scale});
    return static_cast<int>(tensors.size()) - 1;
  }
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
  void copy(int from, int to) {
    const float ratio = scale_of(to) / scale_of(from);
    const auto pd = compat::make_reorder_pd(
        eng, md_of(from), md_of(to),
        ratio == 1.f ? compat::inference_attr(false, false) : compat::scaled_reorder_attr({ratio}));
    Op op;
    op.prim = dnnl::reorder(pd);
    op.src = from;
    op.dst = to;
    op.scratchpad = pd.scratchpad_desc();
    ops.push_back(std::move(op));
  }

  // Tensor t in layout (and type) `want`, with int8 scale `scale`: t itself, or a
  // converted copy (made once).
  int converted_to(int t, const memory::desc& want, float scale) {
    if (md_of(t) == want && scale_of(t) == scale) return t;
    for (const auto& [from, to] : converted)
      if (from == t && md_of(to) == want && scale_of(to) == scale) return to;
    const int out = add_tensor(want, -1, scale);
    copy(t, out);
    if (!is_external(t)) ++conversions;  // converting the caller's images is expected
    converted.emplace_back(t, out);
    return out;
  }

  // Tensor t in layout `want`: int8 stays quantised as it is, floats are real values.
  int in_layout(int t, const memory::desc& want) {
    const bool integer = want.data_type() == memory::data_type::s8 ||
                         want.data_type() == memory::data_type::u8;
    return converted_to(t, want, integer ? scale_of(t) : 1.f);
  }

  // The tensor of `value` in the floating-point compute type and a layout the next step
  // may keep.
  int typed_input(int value) {
    const int t = tensor_of[static_cast<size_t>(value)];
    if (md_of(t).data_type() == float_type()) return t;
    return in_layout(t, plain_of(compat::md_dims(md_of(t)), float_type()));
  }

  memory weights_memory(size_t step, const memory::desc& want) {
    return memory(want, eng, weights.packed(step, want));
  }
  memory plain_vector(const std::vector<float>& v) {
    if (v.empty()) return memory();
    return memory(compat::plain_md({static_cast<int64_t>(v.size())}), eng,
                  const_cast<float*>(v.data()));  // only read
  }

  // Appends the op that computes graph value `value`.
  void emit(Op op, int value) {
    ops.push_back(std::move(op));
    tensor_of[static_cast<size_t>(value)] = ops.back().dst;
    produced.emplace_back(static_cast<int>(ops.size()) - 1, value);
  }

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
  Int8Plan int8_plan(const Step& s) {
    Int8Plan p;
    std::tie(p.src_type, p.src_scale) = quantisation(s.input);
    if (s.output == g.output) {
      p.dst_type = memory::data_type::f32;  // logits stay f32
      p.dst_scale = 1.f;
    } else {
      std::tie(p.dst_type, p.dst_scale) = quantisation(s.output);
    }
    compat::Int8OutputScaling scaling = compat::int8_output_scaling(
        p.src_scale, p.dst_scale, WeightStore::int8_scales(s), s.bias);
    p.output_scales = std::move(scaling.output_scales);
    owned.push_back(std::move(scaling.bias));  // moving keeps the buffer the primitive reads
    p.bias = &owned.back();
    return p;
  }

  void add_conv_int8(size_t k) {
    const Step& s = g.steps[k];
    const Int8Plan p = int8_plan(s);
    const memory::dims strides = {s.stride, s.stride}, pad = {s.pad, s.pad};
    const memory::desc bias_md =
        s.bias.empty() ? memory::desc() : compat::plain_md({s.weight_dims[0]});
    const auto pd = compat::make_conv_inference_pd(
        eng, any(dims(s.input), p.src_type), any(s.weight_dims, memory::data_type::s8),
        bias_md, any(dims(s.output), p.dst_type), strides, pad, pad,
        compat::int8_inference_attr(p.output_scales, s.relu));
    Op op;
    op.src = converted_to(tensor_of[static_cast<size_t>(s.input)], pd.src_desc(), p.src_scale);
    op.dst = add_tensor(pd.dst_desc(), -1, p.dst_scale);
    emit_weighted(k, std::move(op), dnnl::convolution_forward(pd), pd, *p.bias);
  }

  void add_dense_int8(size_t k) {
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

  void add_conv(size_t k) {
    const Step& s = g.steps[k];
    if (int8() && s.residual < 0) return add_conv_int8(k);
    const memory::data_type type = float_type();
    const memory::dims strides = {s.stride, s.stride}, pad = {s.pad, s.pad};
    const memory::desc bias_md =
        s.bias.empty() ? memory::desc() : compat::plain_md({s.weight_dims[0]});
    const auto make_pd = [&](const memory::desc& src_md, const memory::desc& dst_md) {
      return compat::make_conv_inference_pd(eng, src_md, any(s.weight_dims, type), bias_md,
                                            dst_md, strides, pad, pad,
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

  // Tensor t (n × C × H × W) seen as n rows of C·H·W plain values, on the same memory
  // (after a conversion to plain order when its layout differs). A 1 × 1 image in
  // channels-last order, or blocked by 16 channels when they are a multiple of 16, is
  // already such rows.
  int as_rows(int t) {
    const memory::dims d = compat::md_dims(md_of(t));
    const memory::data_type type = md_of(t).data_type();
    const bool rows_already =
        md_of(t) == plain_of(d, type) ||
        (d[2] * d[3] == 1 &&
         (md_of(t) == memory::desc(d, type, memory::format_tag::acdb) ||
          (d[1] % 16 == 0 && md_of(t) == memory::desc(d, type, memory::format_tag::aBcd16b))));
    if (!rows_already) t = in_layout(t, plain_of(d, type));
    if (is_external(t)) {  // never alias the caller's images
      const int own = add_tensor(md_of(t));
      copy(t, own);
      t = own;
    }
    return add_tensor(plain_of({d[0], d[1] * d[2] * d[3]}, type),
                      tensors[static_cast<size_t>(t)].storage, scale_of(t));
  }

  void add_dense(size_t k) {
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
    std::vector<compat::LayoutPair> layouts = {
        {given, wei_any}, {any(compat::md_dims(given), type), wei_any}};
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

  void add_batch_norm(size_t k) {
    const Step& s = g.steps[k];
    const int src = typed_input(s.input);
    const auto pd = compat::make_bn_inference_pd(eng, md_of(src), s.eps, s.relu,
                                                 compat::inference_attr(false, false));
    Op op;
    op.src = src;
    op.dst = add_tensor(pd.dst_desc());
    op.prim = dnnl::batch_normalization_forward(pd);
    op.scale = plain_vector(s.scale);
    op.shift = plain_vector(s.shift);
    op.mean = plain_vector(s.mean);
    op.var = plain_vector(s.var);
    op.scratchpad = pd.scratchpad_desc();
    emit(std::move(op), s.output);
  }

  void add_relu(size_t k) {
    const Step& s = g.steps[k];
    const int src = typed_input(s.input);
    const auto pd = compat::make_eltwise_inference_pd(eng, algorithm::eltwise_relu,
                                                      md_of(src), 0.f, 0.f,
                                                      compat::inference_attr(false, false));
    Op op;
    op.src = src;
    op.dst = add_tensor(pd.dst_desc());
    op.prim = dnnl::eltwise_forward(pd);
    op.scratchpad = pd.scratchpad_desc();
    emit(std::move(op), s.output);
  }

  void add_pool(size_t k) {
    const Step& s = g.steps[k];
    // int8 values are pooled as they are: max and average keep their scale.
    const int given = tensor_of[static_cast<size_t>(s.input)];
    const bool integer = int8() && md_of(given).data_type() != memory::data_type::f32;
    const int src = integer ? given : typed_input(s.input);
    const memory::data_type type = md_of(src).data_type();
    const auto alg = s.pool == PoolKind::max ? algorithm::pooling_max
                                             : algorithm::pooling_avg_exclude_padding;
    const auto pd = compat::make_pool_inference_pd(
        eng, alg, md_of(src), any(dims(s.output), type), {s.stride_h, s.stride_w},
        {s.window_h, s.window_w}, {0, 0}, {0, 0}, compat::inference_attr(false, false));
    Op op;
    op.src = src;
    op.dst = add_tensor(pd.dst_desc(), -1, scale_of(src));
    op.prim = dnnl::pooling_forward(pd);
    op.scratchpad = pd.scratchpad_desc();
    emit(std::move(op), s.output);
  }

  // C × H × W in plain order, then seen as one row of features per image.
  void add_flatten(size_t k) {
    const Step& s = g.steps[k];
    tensor_of[static_cast<size_t>(s.output)] = as_rows(typed_input(s.input));
  }

  // Returns the tensor holding the logits, plain f32.
  int build(int& input_tensor) {
    storages.push_back({});
    storages.back().external = true;
    input_tensor = add_tensor(plain_of(dims(0), memory::data_type::f32), 0);
    tensor_of[0] = input_tensor;
    for (size_t k = 0; k < g.steps.size(); ++k) {
      switch (g.steps[k].kind) {
        case StepKind::conv: add_conv(k); break;
        case StepKind::dense: add_dense(k); break;
        case StepKind::batch_norm: add_batch_norm(k); break;
        case StepKind::relu: add_relu(k); break;
        case StepKind::pool: add_pool(k); break;
        case StepKind::flatten: add_flatten(k); break;
      }
    }
    const int out = tensor_of[static_cast<size_t>(g.output)];
    const memory::desc want = plain_of(compat::md_dims(md_of(out)), memory::data_type::f32);
    if (md_of(out) == want && !is_external(out)) return out;
    const int logits = add_tensor(want);
    copy(out, logits);
    return logits;
  }

  // Gives every non-external storage a slot: a buffer shared with storages whose lifetime
  // (first write to last use) does not overlap. Returns the slots' sizes in bytes.
  std::vector<size_t> assign_slots(int output_tensor) {
    for (size_t i = 0; i < ops.size(); ++i) {
      const int at = static_cast<int>(i);
      for (int t : {ops[i].src, ops[i].dst}) {
        Storage& st = storages[static_cast<size_t>(tensors[static_cast<size_t>(t)].storage)];
        if (st.first < 0) st.first = at;
        st.last = std::max(st.last, at);
      }
    }
    storages[static_cast<size_t>(tensors[static_cast<size_t>(output_tensor)].storage)].last =
        INT_MAX;
    std::vector<size_t> storage_bytes(storages.size(), 0);
    for (const Tensor& t : tensors)
      storage_bytes[static_cast<size_t>(t.storage)] =
          std::max(storage_bytes[static_cast<size_t>(t.storage)], t.md.get_size());

    std::vector<size_t> slot_bytes;
    std::vector<int> slot_busy_until;
    for (size_t i = 0; i < ops.size(); ++i) {
      const size_t s = static_cast<size_t>(tensors[static_cast<size_t>(ops[i].dst)].storage);
      Storage& st = storages[s];
      if (st.external || st.slot >= 0) continue;
      const size_t need = storage_bytes[s];
      // The smallest free slot that fits, else the largest free one (grown least).
      int fit = -1, largest = -1;
      for (size_t k = 0; k < slot_bytes.size(); ++k) {
        if (slot_busy_until[k] >= static_cast<int>(i)) continue;
        const int ki = static_cast<int>(k);
        if (slot_bytes[k] >= need) {
          if (fit < 0 || slot_bytes[k] < slot_bytes[static_cast<size_t>(fit)]) fit = ki;
        } else if (largest < 0 || slot_bytes[k] > slot_bytes[static_cast<size_t>(largest)]) {
          largest = ki;
        }
      }
      int best = fit >= 0 ? fit : largest;
      if (best < 0) {
        slot_bytes.push_back(0);
        slot_busy_until.push_back(-1);
        best = static_cast<int>(slot_bytes.size()) - 1;
      }
      st.slot = best;
      slot_bytes[static_cast<size_t>(best)] = std::max(slot_bytes[static_cast<size_t>(best)], need);
      slot_busy_until[static_cast<size_t>(best)] = st.last;
    }
    return slot_bytes;
  }
};

InferenceContext::InferenceContext(const InferenceGraph& graph, WeightStore& weights,
                                   const dnnl::engine& engine, int64_t n, int threads,
                                   memory::data_type type, const ValueRanges* ranges)
    : n_(n), threads_(threads), stream_(engine), num_values_(graph.values.size()) {
  if (n <= 0) fail(Status::internal, "inference context for a batch of " + std::to_string(n));
  if (type == memory::data_type::s8 && !ranges)
    fail(Status::internal, "int8 inference context without calibration ranges");
  Build b(graph, weights, engine, n, type, ranges, owned_);
  int input_tensor = 0;
  const int output_tensor = b.build(input_tensor);
  const std::vector<size_t> slot_bytes = b.assign_slots(output_tensor);

  for (size_t bytes : slot_bytes) {
    slots_.emplace_back(memory::desc({static_cast<int64_t>(bytes)}, memory::data_type::u8,
                                     memory::format_tag::a),
                        engine);
    bytes_ += bytes;
  }
  std::vector<memory> tensor_memory;
  for (const Build::Tensor& t : b.tensors) {
    const Build::Storage& st = b.storages[static_cast<size_t>(t.storage)];
    void* data = st.external ? nullptr : slots_[static_cast<size_t>(st.slot)].get_data_handle();
    tensor_memory.emplace_back(t.md, engine, data);
  }
  input_ = tensor_memory[static_cast<size_t>(input_tensor)];

  size_t scratch = 0;
  for (const Build::Op& op : b.ops) scratch = std::max(scratch, op.scratchpad.get_size());
  if (scratch > 0) {
    scratchpad_ = memory(memory::desc({static_cast<int64_t>(scratch)}, memory::data_type::u8,
                                      memory::format_tag::a),
                         engine);
    bytes_ += scratch;
  }
  for (const Build::Op& op : b.ops) {
    memory pad;
    if (op.scratchpad.get_size() > 0)
      pad = memory(op.scratchpad, engine, scratchpad_.get_data_handle());
    execs_.emplace_back(op.prim,
                        std::initializer_list<std::pair<int, memory>>{
                            {DNNL_ARG_SRC, tensor_memory[static_cast<size_t>(op.src)]},
                            {DNNL_ARG_WEIGHTS, op.weights},
                            {DNNL_ARG_BIAS, op.bias},
                            {DNNL_ARG_SCALE, op.scale},
                            {DNNL_ARG_SHIFT, op.shift},
                            {DNNL_ARG_MEAN, op.mean},
                            {DNNL_ARG_VARIANCE, op.var},
                            {DNNL_ARG_DST, tensor_memory[static_cast<size_t>(op.dst)]},
                            {DNNL_ARG_SCRATCHPAD, pad}});
  }
  produced_.resize(execs_.size());
  for (const auto& [op, value] : b.produced)
    produced_[static_cast<size_t>(op)].emplace_back(
        value, tensor_memory[static_cast<size_t>(b.tensor_of[static_cast<size_t>(value)])]);
  for (const Step& s : graph.steps)
    if (s.kind == StepKind::flatten) same_values_.emplace_back(s.output, s.input);
  logits_ = static_cast<const float*>(
      tensor_memory[static_cast<size_t>(output_tensor)].get_data_handle());
  input_buffer_.resize(static_cast<size_t>(n) * static_cast<size_t>(graph.values[0].size()));
  bytes_ += input_buffer_.size() * sizeof(float);
  layout_conversions_ = b.conversions;
}

const float* InferenceContext::run(const float* images) {
  input_.set_data_handle(const_cast<float*>(images));  // only ever read
  for (const nn::Exec& e : execs_) e.run(stream_);
  stream_.wait();
  return logits_;
}

namespace {

void widen(const float* v, size_t count, float& lo, float& hi) {
  for (size_t i = 0; i < count; ++i) {
    lo = std::min(lo, v[i]);
    hi = std::max(hi, v[i]);
  }
}

}  // namespace

void InferenceContext::run_recording(const float* images, ValueRanges& ranges) {
  ranges.lo.assign(num_values_, std::numeric_limits<float>::infinity());
  ranges.hi.assign(num_values_, -std::numeric_limits<float>::infinity());
  input_.set_data_handle(const_cast<float*>(images));  // only ever read
  widen(images, input_buffer_.size(), ranges.lo[0], ranges.hi[0]);
  for (size_t i = 0; i < execs_.size(); ++i) {
    execs_[i].run(stream_);
    stream_.wait();
    for (const auto& [value, mem] : produced_[i]) {
      if (mem.get_desc().data_type() != memory::data_type::f32)
        fail(Status::internal, "calibrating an inference context that is not f32");
      // Blocked layouts pad with zeros, which only widen a range to include 0.
      widen(static_cast<const float*>(mem.get_data_handle()),
            mem.get_desc().get_size() / sizeof(float), ranges.lo[static_cast<size_t>(value)],
            ranges.hi[static_cast<size_t>(value)]);
    }
  }
  for (const auto& [value, same] : same_values_) {
    ranges.lo[static_cast<size_t>(value)] = ranges.lo[static_cast<size_t>(same)];
    ranges.hi[static_cast<size_t>(value)] = ranges.hi[static_cast<size_t>(same)];
  }
}

}  // namespace kcell::infer
