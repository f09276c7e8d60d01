#include "train/model_selection.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "common/error.hpp"

namespace kcell::train {

double monitored_value(Monitor monitor, const EpochStats& s) {
  switch (monitor) {
    case Monitor::val_loss:
      return s.val_loss;
    case Monitor::val_accuracy:
      return s.val_accuracy;
    case Monitor::val_balanced_accuracy:
      return s.val_balanced_accuracy;
    case Monitor::val_auc:
      return s.val_auc;
    case Monitor::none:
      break;
  }
  return std::numeric_limits<double>::quiet_NaN();
}

bool BestEpochTracker::update(int epoch, const EpochStats& stats) {
  const double v = monitored_value(options_.monitor, stats);
  bool better = false;
  if (std::isfinite(v)) {
    if (best_epoch_ < 0)
      better = true;
    else if (options_.monitor == Monitor::val_loss)
      better = v < best_ - options_.min_delta;
    else
      better = v > best_ + options_.min_delta;
  }
  if (better) {
    best_ = v;
    best_epoch_ = epoch;
    since_best_ = 0;
  } else {
    ++since_best_;
  }
  return better;
}

bool BestEpochTracker::should_stop() const {
  return options_.patience > 0 && since_best_ >= options_.patience;
}

namespace {

template <class T>
void copy_out(const std::vector<T*>& from, std::vector<std::vector<float>>& to) {
  to.resize(from.size());
  for (size_t i = 0; i < from.size(); ++i)
    to[i].assign(from[i]->value.begin(), from[i]->value.end());
}

template <class T>
void copy_in(const std::vector<std::vector<float>>& from, const std::vector<T*>& to) {
  if (from.size() != to.size()) fail(Status::internal, "weight snapshot does not fit the network");
  for (size_t i = 0; i < to.size(); ++i) {
    if (from[i].size() != to[i]->value.size())
      fail(Status::internal, "weight snapshot of " + to[i]->name + " has the wrong size");
    std::copy(from[i].begin(), from[i].end(), to[i]->value.begin());
  }
}

}  // namespace

void WeightSnapshot::take(nn::Network& net) {
  copy_out(net.params(), params_);
  copy_out(net.buffers(), buffers_);
}

void WeightSnapshot::restore(nn::Network& net) const {
  copy_in(params_, net.params());
  copy_in(buffers_, net.buffers());
  net.weights_changed();
}

}  // namespace kcell::train
