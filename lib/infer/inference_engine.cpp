#include "infer/inference_engine.hpp"

#include <omp.h>

#include <algorithm>
#include <exception>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "common/error.hpp"
#include "nn/dnnl_compat.hpp"

namespace kcell::infer {

namespace {

dnnl::memory::data_type data_type(Precision p) {
  switch (p) {
    case Precision::bf16:
      return dnnl::memory::data_type::bf16;
    case Precision::int8:
      return dnnl::memory::data_type::s8;
    default:
      return dnnl::memory::data_type::f32;
  }
}

// The largest power of two of images whose largest activation fits kChunkBytes (at least
// 1, at most kMaxChunk): 8 for `reference` at 28 × 28, 4 for `resnet18`; then doubled
// while the largest dense layer's weights per image exceed kDenseBytesPerImage (`reference`
// at 64 × 64: 4, at 128 × 128: 16).
size_t chunk_for(const InferenceGraph& g, Precision p) {
  int64_t largest = 1;
  for (const nn::Shape& v : g.values) largest = std::max(largest, v.size());
  const size_t type_size = dnnl::memory::data_type_size(data_type(p));
  const size_t bytes = static_cast<size_t>(largest) * type_size;
  size_t chunk = 1;
  while (chunk * 2 <= InferenceEngine::kMaxChunk &&
         chunk * 2 * bytes <= InferenceEngine::kChunkBytes)
    chunk *= 2;
  size_t dense = 0;
  for (const Step& s : g.steps)
    if (s.kind == StepKind::dense) dense = std::max(dense, s.weight.size() * type_size);
  while (chunk * 2 <= InferenceEngine::kMaxChunk &&
         dense > chunk * InferenceEngine::kDenseBytesPerImage)
    chunk *= 2;
  return chunk;
}

[[noreturn]] void rethrow_dnnl(const dnnl::error& e, const char* what) {
  const Status st = e.status == dnnl_out_of_memory ? Status::out_of_memory : Status::internal;
  fail(st, std::string(what) + ": oneDNN error: " + e.what());
}

}  // namespace

InferenceEngine::InferenceEngine(model::Model& model, Precision precision, uint64_t version,
                                 ValueRanges ranges)
    : graph_(build_inference_graph(model)),
      num_classes_(model.num_classes()),
      chunk_(chunk_for(graph_, precision)),
      precision_(precision),
      version_(version),
      ranges_(std::move(ranges)),
      weights_(graph_, engine_) {
  if (precision == Precision::int8 &&
      (ranges_.lo.size() != graph_.values.size() || ranges_.hi.size() != graph_.values.size()))
    fail(Status::internal, "int8 inference without a calibration of every value");
}

InferenceEngine::~InferenceEngine() = default;

InferenceEngine::Lease::Lease(std::shared_ptr<InferenceEngine> engine,
                              std::unique_ptr<InferenceContext> ctx)
    : engine_(std::move(engine)), ctx_(std::move(ctx)) {}

InferenceEngine::Lease::~Lease() {
  if (engine_ && ctx_) engine_->give_back(std::move(ctx_));
}

InferenceEngine::Lease InferenceEngine::acquire(int64_t n) {
  const int threads = omp_get_max_threads();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = idle_.begin(); it != idle_.end(); ++it) {
      if ((*it)->batch() == n && (*it)->threads() == threads) {
        std::unique_ptr<InferenceContext> ctx = std::move(*it);
        idle_.erase(it);
        return Lease(shared_from_this(), std::move(ctx));
      }
    }
  }
  // Built outside the lock: other callers keep running meanwhile.
  try {
    return Lease(shared_from_this(),
                 std::make_unique<InferenceContext>(graph_, weights_, engine_, n, threads,
                                                    data_type(precision_), &ranges_));
  } catch (const dnnl::error& e) {
    rethrow_dnnl(e, "preparing inference");
  }
}

namespace {

// int8 inference on a CPU without VNNI runs on one thread: there oneDNN 2.6's AVX2 int8
// kernels gave answers differing in the fourth decimal from call to call when they ran on
// two threads at once (one two-thread context, or two one-thread contexts side by side);
// on one thread the answer is the same every time (c_api.test_predict_int8 pins it).
bool int8_needs_one_thread(Precision precision) {
  return precision == Precision::int8 && !nn::compat::cpu_has_vnni();
}

// The calling thread's OpenMP thread count set to 1 while it lives, when `active`; the
// count before comes back however the scope ends.
class OneThreadScope {
 public:
  explicit OneThreadScope(bool active) : before_(active ? omp_get_max_threads() : 0) {
    if (active) omp_set_num_threads(1);
  }
  ~OneThreadScope() {
    if (before_ > 0) omp_set_num_threads(before_);
  }
  OneThreadScope(const OneThreadScope&) = delete;
  OneThreadScope& operator=(const OneThreadScope&) = delete;

 private:
  int before_;
};

}  // namespace

void InferenceEngine::for_each_chunk(size_t count, const ChunkBody& body) {
  const OneThreadScope one_thread(int8_needs_one_thread(precision_));
  const int threads = omp_get_max_threads();
  if (threads <= 1 || count <= chunk_) {
    std::optional<Lease> full;  // kept across the full chunks
    for (size_t first = 0; first < count; first += chunk_) {
      const size_t n = std::min(chunk_, count - first);
      if (n == chunk_ && !full) full.emplace(acquire(static_cast<int64_t>(n)));
      std::optional<Lease> rest;
      if (n != chunk_) rest.emplace(acquire(static_cast<int64_t>(n)));
      body(n == chunk_ ? **full : **rest, first, n);
    }
    return;
  }
  // Equal chunks, their number a multiple of the thread count, so the threads share the
  // work evenly.
  const size_t t = static_cast<size_t>(threads);
  const size_t parts = ((count + chunk_ - 1) / chunk_ + t - 1) / t * t;
  const size_t size = (count + parts - 1) / parts;
  const ptrdiff_t chunks = static_cast<ptrdiff_t>((count + size - 1) / size);
  std::mutex error_mutex;
  std::exception_ptr error;
#pragma omp parallel num_threads(threads)
  {
    omp_set_num_threads(1);  // this thread's contexts and primitives: one thread each
    std::optional<Lease> full, rest;
#pragma omp for schedule(static)
    for (ptrdiff_t c = 0; c < chunks; ++c) {
      try {
        {
          std::lock_guard<std::mutex> lock(error_mutex);
          if (error) continue;  // give up after a failure
        }
        const size_t first = static_cast<size_t>(c) * size;
        const size_t n = std::min(size, count - first);
        std::optional<Lease>& lease = n == size ? full : rest;
        if (!lease || (*lease)->batch() != static_cast<int64_t>(n))
          lease.emplace(acquire(static_cast<int64_t>(n)));
        body(**lease, first, n);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
      }
    }
  }
  if (error) std::rethrow_exception(error);
}

void InferenceEngine::logits(const float* images, size_t n, float* out) {
  const size_t image = static_cast<size_t>(graph_.values[0].size());
  const size_t k = static_cast<size_t>(num_classes_);
  for_each_chunk(n, [&](InferenceContext& ctx, size_t first, size_t m) {
    const float* z = ctx.run(images + first * image);
    std::copy(z, z + m * k, out + first * k);
  });
}

void InferenceEngine::record_ranges(const float* images, size_t n, ValueRanges& ranges) {
  if (precision_ != Precision::fp32) fail(Status::internal, "calibrating a non-fp32 engine");
  const size_t image = static_cast<size_t>(graph_.values[0].size());
  if (ranges.lo.empty()) {
    ranges.lo.assign(graph_.values.size(), std::numeric_limits<float>::infinity());
    ranges.hi.assign(graph_.values.size(), -std::numeric_limits<float>::infinity());
  }
  std::mutex ranges_mutex;
  for_each_chunk(n, [&](InferenceContext& ctx, size_t first, size_t) {
    ValueRanges mine;
    ctx.run_recording(images + first * image, mine);
    std::lock_guard<std::mutex> lock(ranges_mutex);
    for (size_t v = 0; v < mine.lo.size(); ++v) {
      ranges.lo[v] = std::min(ranges.lo[v], mine.lo[v]);
      ranges.hi[v] = std::max(ranges.hi[v], mine.hi[v]);
    }
  });
}

void InferenceEngine::give_back(std::unique_ptr<InferenceContext> ctx) noexcept {
  std::list<std::unique_ptr<InferenceContext>> evicted;  // freed after unlocking
  {
    std::lock_guard<std::mutex> lock(mutex_);
    try {
      idle_.push_front(std::move(ctx));
    } catch (...) {
      return;  // no memory for the list node: the context is simply freed
    }
    size_t bytes = 0;
    for (const auto& c : idle_) bytes += c->bytes();
    while (idle_.size() > 1 && (idle_.size() > kMaxIdleContexts || bytes > kMaxIdleBytes)) {
      bytes -= idle_.back()->bytes();
      evicted.splice(evicted.begin(), idle_, std::prev(idle_.end()));
    }
  }
}

size_t InferenceEngine::idle_contexts() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return idle_.size();
}

}  // namespace kcell::infer
