#include "infer/weight_store.hpp"

#include <algorithm>
#include <cmath>

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
  const bool int8 = want.data_type() == dnnl::memory::data_type::s8;
  const auto attr = int8 ? nn::compat::scaled_reorder_attr(int8_scales(s))
                         : nn::compat::inference_attr(false, false);
  const auto pd = nn::compat::make_reorder_pd(engine_, plain.get_desc(), want, attr);
  dnnl::memory scratch(pd.scratchpad_desc(), engine_);
  dnnl::reorder(pd).execute(
      stream, {{DNNL_ARG_FROM, plain}, {DNNL_ARG_TO, out}, {DNNL_ARG_SCRATCHPAD, scratch}});
  stream.wait();
  packed_[step].push_back({want, out});
  return out.get_data_handle();
}

std::vector<float> WeightStore::int8_scales(const Step& step) {
  const size_t out = static_cast<size_t>(step.weight_dims[0]);
  const size_t per = step.weight.size() / out;
  std::vector<float> scales(out, 1.f);
  // 7-bit weights without VNNI: a pair of u8×s8 products then stays within 16 bits
  // (2 × 255 × 63 < 32,767), where 8-bit ones saturated and moved probabilities by 0.08.
  const float top = nn::compat::cpu_has_vnni() ? 127.f : 63.f;
  for (size_t o = 0; o < out; ++o) {
    float largest = 0.f;
    for (size_t i = 0; i < per; ++i)
      largest = std::max(largest, std::fabs(step.weight[o * per + i]));
    if (largest > 0.f) scales[o] = top / largest;
  }
  return scales;
}

size_t WeightStore::bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  size_t total = 0;
  for (const auto& step : packed_)
    for (const Packed& p : step) total += p.md.get_size();
  return total;
}

}  // namespace kcell::infer
