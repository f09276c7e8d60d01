// The folded weights of an inference graph in the layouts (and data type) its primitives
// ask for: packed once, on first request, and then shared read-only by every inference
// context of the engine.
#pragma once

#include <dnnl.hpp>
#include <mutex>
#include <vector>

#include "infer/inference_graph.hpp"

namespace kcell::infer {

class WeightStore {
 public:
  WeightStore(const InferenceGraph& graph, const dnnl::engine& engine);
  WeightStore(const WeightStore&) = delete;
  WeightStore& operator=(const WeightStore&) = delete;

  // The weights of graph step `step` laid out as `want`, packing them on the first request
  // for that layout (s8 ones quantised with int8_scales(step)). Thread-safe. The memory
  // lives as long as the store; never write to it.
  void* packed(size_t step, const dnnl::memory::desc& want);

  // Per output channel, the factor that maps step `step`'s weights onto [-127, 127]
  // ([-63, 63] on CPUs without VNNI, where oneDNN's 16-bit pair sums would saturate): 127
  // (63) over the channel's largest magnitude (1 for a channel of zeros).
  static std::vector<float> int8_scales(const Step& step);

  size_t bytes() const;  // packed weights held

 private:
  struct Packed {
    dnnl::memory::desc md;
    dnnl::memory memory;
  };
  const InferenceGraph& graph_;
  dnnl::engine engine_;
  mutable std::mutex mutex_;
  std::vector<std::vector<Packed>> packed_;  // per step, one per layout asked for
};

}  // namespace kcell::infer
