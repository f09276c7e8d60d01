// A model's inference engine: the folded graph of one snapshot of its weights, the packed
// weights every context shares, and a pool of inference contexts. Any number of threads
// may use one engine at once: each call leases a context of its own (built on first need,
// reused afterwards) and the pool's lock is held only to take or return one, never while
// computing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <dnnl.hpp>
#include <functional>
#include <list>
#include <memory>
#include <mutex>

#include "infer/inference_context.hpp"
#include "infer/inference_graph.hpp"
#include "infer/weight_store.hpp"
#include "model/model.hpp"

namespace kcell::infer {

// Arithmetic of weights and activations; logits and probabilities are always f32.
enum class Precision { fp32, bf16, int8 };

class InferenceEngine : public std::enable_shared_from_this<InferenceEngine> {
 public:
  // Idle contexts kept for reuse; beyond either bound the least recently used go. Contexts
  // hold a chunk of images (a few MB), so many threads can find theirs idle.
  static constexpr size_t kMaxIdleContexts = 32;
  static constexpr size_t kMaxIdleBytes = size_t{256} << 20;

  // Folds the model's current weights (Network::weights_version() == version) into a
  // graph. The model is read only here; the engine keeps no reference to it.
  // int8 needs the value ranges of a calibration of these weights.
  InferenceEngine(model::Model& model, Precision precision, uint64_t version,
                  ValueRanges ranges = {});
  ~InferenceEngine();
  InferenceEngine(const InferenceEngine&) = delete;
  InferenceEngine& operator=(const InferenceEngine&) = delete;

  // Images computed per context run: few enough that one run's largest activation stays
  // within about an L2 cache (kChunkBytes), at most kMaxChunk. Large requests run as
  // several chunks: per image that is much faster than one huge batch streaming its
  // activations through main memory, and contexts stay small. But a dense layer reads all
  // its weights once per chunk with no pixels to reuse them over, so the chunk also grows
  // until each image's share of the largest dense layer's weights is at most
  // kDenseBytesPerImage: `reference` at 128 x 128 has a 67 MB one, which took 40 % of the
  // inference time at one image per chunk.
  static constexpr size_t kChunkBytes = size_t{1} << 20;
  static constexpr size_t kDenseBytesPerImage = size_t{4} << 20;
  static constexpr size_t kMaxChunk = 64;
  size_t chunk() const { return chunk_; }

  // What to do with one chunk: the images [first, first + n) and a context for n images.
  using ChunkBody = std::function<void(InferenceContext& ctx, size_t first, size_t n)>;

  // Calls body for consecutive chunks that together cover `count` images. Up to chunk()
  // images (or with one thread) run one chunk at a time, each spread over the calling
  // thread's OpenMP threads. More images run as chunks of equal size, one per thread at a
  // time, each on one thread: no thread waits for another between layers. Which chunks
  // and contexts are used depends only on count and the thread count, so the results do
  // too. body may run on several threads at once, for different chunks; the first
  // exception it throws is rethrown here.
  void for_each_chunk(size_t count, const ChunkBody& body);

  // Logits (n × class count, plain) of n normalised images (n × C × H × W plain floats),
  // computed chunk by chunk.
  void logits(const float* images, size_t n, float* out);

  // Widens `ranges` (sized here on first use) to the values n normalised images give every
  // graph value. fp32 engines only.
  void record_ranges(const float* images, size_t n, ValueRanges& ranges);

  uint64_t weights_version() const { return version_; }
  Precision precision() const { return precision_; }
  const InferenceGraph& graph() const { return graph_; }
  int num_classes() const { return num_classes_; }

  // One context, lent to one caller; it goes back to the engine's pool when the lease
  // ends. The lease keeps the engine alive.
  class Lease {
   public:
    Lease(std::shared_ptr<InferenceEngine> engine, std::unique_ptr<InferenceContext> ctx);
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    InferenceContext& operator*() const { return *ctx_; }
    InferenceContext* operator->() const { return ctx_.get(); }

   private:
    std::shared_ptr<InferenceEngine> engine_;
    std::unique_ptr<InferenceContext> ctx_;
  };

  // A context for batches of n images and the calling thread's OpenMP thread count: an
  // idle one when the pool has one, else a new one.
  Lease acquire(int64_t n);

  size_t idle_contexts() const;
  size_t packed_weight_bytes() const { return weights_.bytes(); }

 private:
  void give_back(std::unique_ptr<InferenceContext> ctx) noexcept;

  const InferenceGraph graph_;
  const int num_classes_;
  const size_t chunk_;
  const Precision precision_;
  const uint64_t version_;
  const ValueRanges ranges_;
  dnnl::engine engine_{dnnl::engine::kind::cpu, 0};
  WeightStore weights_;
  mutable std::mutex mutex_;                           // guards idle_ only
  std::list<std::unique_ptr<InferenceContext>> idle_;  // most recently returned first
};

}  // namespace kcell::infer
