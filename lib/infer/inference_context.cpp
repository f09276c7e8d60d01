#include "infer/inference_context.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "common/error.hpp"
#include "infer/inference_build.hpp"

namespace kcell::infer {

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
    slots_.emplace_back(
        memory::desc({static_cast<int64_t>(bytes)}, memory::data_type::u8, memory::format_tag::a),
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
    scratchpad_ = memory(
        memory::desc({static_cast<int64_t>(scratch)}, memory::data_type::u8, memory::format_tag::a),
        engine);
    bytes_ += scratch;
  }
  for (const Build::Op& op : b.ops) {
    memory pad;
    if (op.scratchpad.get_size() > 0)
      pad = memory(op.scratchpad, engine, scratchpad_.get_data_handle());
    execs_.emplace_back(op.prim, std::initializer_list<std::pair<int, memory>>{
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
