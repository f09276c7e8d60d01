#include "train/weight_average.hpp"

#include <algorithm>
#include <cstddef>
#include <string>
#include <utility>

#include "common/error.hpp"

namespace kcell::train {
namespace {

constexpr ptrdiff_t parallel_min = 1 << 16;  // smaller tensors are not worth the threads

}  // namespace

double average_decay_at(double decay, uint64_t step) {
  const double t = static_cast<double>(step);
  return std::min(decay, (1.0 + t) / (10.0 + t));
}

WeightAverage::WeightAverage(nn::Network& net, double decay)
    : net_(net), params_(net.params()), buffers_(net.buffers()), decay_(decay) {
  if (!(decay > 0.0 && decay < 1.0))
    fail(Status::invalid_argument,
         "the weight-average decay must be in (0, 1), got " + std::to_string(decay));
  for (const nn::Param* p : params_) average_.push_back(p->value);
  for (const nn::Buffer* b : buffers_) average_.push_back(b->value);
}

void WeightAverage::update() {
  if (swapped_) fail(Status::internal, "weight average updated while it is in the network");
  const double d = average_decay_at(decay_, steps_), take = 1.0 - d;
  const auto blend = [d, take](std::vector<float>& average, const std::vector<float>& value) {
    const ptrdiff_t n = static_cast<ptrdiff_t>(average.size());
    float* __restrict a = average.data();
    const float* __restrict w = value.data();
    // Element by element, so any thread count gives the same numbers.
#pragma omp parallel for simd if (n >= parallel_min) schedule(static)
    for (ptrdiff_t j = 0; j < n; ++j) a[j] = static_cast<float>(d * a[j] + take * w[j]);
  };
  size_t i = 0;
  for (const nn::Param* p : params_) blend(average_[i++], p->value);
  for (const nn::Buffer* b : buffers_) blend(average_[i++], b->value);
  ++steps_;
}

void WeightAverage::swap() {
  size_t i = 0;
  for (nn::Param* p : params_) std::swap(p->value, average_[i++]);
  for (nn::Buffer* b : buffers_) std::swap(b->value, average_[i++]);
  swapped_ = !swapped_;
  net_.weights_changed();
}

WeightSnapshot WeightAverage::snapshot() const {
  if (swapped_) fail(Status::internal, "weight average read while it is in the network");
  const auto first_buffer = average_.begin() + static_cast<std::ptrdiff_t>(params_.size());
  WeightSnapshot s;
  s.assign({average_.begin(), first_buffer}, {first_buffer, average_.end()});
  return s;
}

void WeightAverage::restore(const WeightSnapshot& average, uint64_t steps) {
  if (swapped_) fail(Status::internal, "weight average restored while it is in the network");
  const auto fits = [](const std::vector<std::vector<float>>& from, const auto& to) {
    if (from.size() != to.size()) return false;
    for (size_t i = 0; i < to.size(); ++i)
      if (from[i].size() != to[i]->value.size()) return false;
    return true;
  };
  if (!fits(average.params(), params_) || !fits(average.buffers(), buffers_))
    fail(Status::internal, "the weight average does not fit the network");
  size_t i = 0;
  for (const std::vector<float>& v : average.params()) average_[i++] = v;
  for (const std::vector<float>& v : average.buffers()) average_[i++] = v;
  steps_ = steps;
}

}  // namespace kcell::train
