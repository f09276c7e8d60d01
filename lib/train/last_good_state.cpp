#include "train/last_good_state.hpp"

#include <algorithm>
#include <utility>

namespace kcell::train {

LastGoodState::LastGoodState(std::vector<nn::Param*> params, std::vector<nn::Buffer*> buffers)
    : params_(std::move(params)), buffers_(std::move(buffers)) {
  for (auto* copies : {&latest_, &previous_}) {
    for (const nn::Param* p : params_) copies->emplace_back(p->value.size());
    for (const nn::Buffer* b : buffers_) copies->emplace_back(b->value.size());
  }
}

void LastGoodState::save() {
  std::swap(latest_, previous_);  // no allocation: the copies trade places
  size_t i = 0;
  for (const nn::Param* p : params_)
    std::copy(p->value.begin(), p->value.end(), latest_[i++].begin());
  for (const nn::Buffer* b : buffers_)
    std::copy(b->value.begin(), b->value.end(), latest_[i++].begin());
  saved_ = std::min(saved_ + 1, 2);
}

void LastGoodState::restore(nn::Network& net) {
  if (saved_ == 0) return;
  const std::vector<std::vector<float>>& from = saved_ == 2 ? previous_ : latest_;
  size_t i = 0;
  for (nn::Param* p : params_) {
    std::copy(from[i].begin(), from[i].end(), p->value.begin());
    ++i;
  }
  for (nn::Buffer* b : buffers_) {
    std::copy(from[i].begin(), from[i].end(), b->value.begin());
    ++i;
  }
  net.weights_changed();
}

}  // namespace kcell::train
