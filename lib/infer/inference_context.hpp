// Everything one inference call needs for one batch size: the graph's primitives created
// for that batch size and the calling thread's thread count, its activation memory, a
// scratchpad and a stream. A context is used by one thread at a time; the engine hands
// each concurrent call its own (inference_engine.hpp). Weights are not copied: the
// primitives read the engine's shared packed weights.
#pragma once

#include <cstddef>
#include <cstdint>
#include <dnnl.hpp>
#include <vector>

#include "infer/inference_graph.hpp"
#include "infer/weight_store.hpp"
#include "nn/exec.hpp"

namespace kcell::infer {

class InferenceContext {
 public:
  // `type` is the data type of weights and activations: f32; bf16 (f32 logits); or s8 for
  // int8 arithmetic, where each convolution and dense layer computes on 8-bit integers
  // quantised with the calibrated `ranges` (u8 for values never negative) and per-channel
  // weight scales, and the steps without an int8 form (batch norm that follows no
  // convolution, a residual add, a lone ReLU) run in f32.
  // `threads` is recorded only: the primitives take their work split from the thread
  // count in effect while they are created (omp_get_max_threads()), so it must be that.
  InferenceContext(const InferenceGraph& graph, WeightStore& weights, const dnnl::engine& engine,
                   int64_t n, int threads, dnnl::memory::data_type type,
                   const ValueRanges* ranges = nullptr);
  InferenceContext(const InferenceContext&) = delete;
  InferenceContext& operator=(const InferenceContext&) = delete;

  int64_t batch() const { return n_; }
  int threads() const { return threads_; }

  // n × C × H × W floats the caller may fill and then pass to run().
  float* input_buffer() { return input_buffer_.data(); }

  // Runs the graph on n normalised images (n × C × H × W plain floats, only read).
  // Returns n × class-count plain logits, valid until the next run.
  const float* run(const float* images);

  // run() of an f32 context that also gives the smallest and largest value every graph
  // value took (for int8 calibration).
  void run_recording(const float* images, ValueRanges& ranges);

  // Activation memory, scratchpad and input buffer of this context.
  size_t bytes() const { return bytes_; }
  // The scratchpad's part of bytes(): what the primitives need besides their inputs and
  // outputs (Winograd convolutions: the transformed tiles).
  size_t scratchpad_bytes() const { return scratchpad_ ? scratchpad_.get_desc().get_size() : 0; }
  // Activation layout conversions between steps (0 when the steps agree on layouts).
  int layout_conversions() const { return layout_conversions_; }

 private:
  struct Build;
  int64_t n_;
  int threads_;
  dnnl::stream stream_;
  std::vector<float> input_buffer_;
  dnnl::memory input_;               // plain, over the images run() is given
  std::vector<dnnl::memory> slots_;  // activation storage, reused along the graph
  dnnl::memory scratchpad_;
  std::vector<nn::Exec> execs_;                                      // in order
  std::vector<std::vector<std::pair<int, dnnl::memory>>> produced_;  // per exec: values
  std::vector<std::pair<int, int>> same_values_;  // (value, value it holds unchanged)
  size_t num_values_ = 0;
  std::vector<std::vector<float>> owned_;  // int8 biases, read by the primitives
  const float* logits_ = nullptr;
  size_t bytes_ = 0;
  int layout_conversions_ = 0;
};

}  // namespace kcell::infer
