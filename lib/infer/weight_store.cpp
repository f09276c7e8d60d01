#include "infer/weight_store.hpp"

#include "common/error.hpp"
#include "nn/dnnl_compat.hpp"

namespace kcell::infer {

WeightStore::WeightStore(const InferenceGraph& graph, const dnnl::engine& engine)
    : graph_(graph), engine_(engine), packed_(graph.steps.size()) {}

void* WeightStore::packed(size_t step, const dnnl::memory::desc& want) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (step >= packed_.size() || graph_.steps[step].weight.empty())
    fail(Status::internal, "inference: step without weights asked for its weights");
  for (const Packed& p : packed_[step])
    if (p.md == want) return p.memory.get_data_handle();
  const Step& s = graph_.steps[step];
  // The graph's plain floats are only read by the reorder.
  dnnl::memory plain(nn::compat::plain_md(s.weight_dims), engine_,
                     const_cast<float*>(s.weight.data()));
  dnnl::memory out(want, engine_);
  dnnl::stream stream(engine_);
  dnnl::reorder(plain, out).execute(stream, plain, out);
  stream.wait();
  packed_[step].push_back({want, out});
  return out.get_data_handle();
}

size_t WeightStore::bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  size_t total = 0;
  for (const auto& step : packed_)
    for (const Packed& p : step) total += p.md.get_size();
  return total;
}

}  // namespace kcell::infer
