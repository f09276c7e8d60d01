// Early stopping and model selection: which epoch is best by the monitored validation
// number, and a copy of that epoch's weights to hand back at the end.
#pragma once

#include <vector>

#include "nn/network.hpp"
#include "train/train_config.hpp"

namespace kcell::train {

// The monitored number of an epoch's statistics (NaN for Monitor::none).
double monitored_value(Monitor monitor, const EpochStats& stats);

// Follows the monitored number epoch by epoch.
class BestEpochTracker {
 public:
  explicit BestEpochTracker(const EarlyStopping& options) : options_(options) {}

  // Records an epoch; true when it is the new best. A NaN value (say, an undefined AUC)
  // never improves.
  bool update(int epoch, const EpochStats& stats);
  // True when `patience` epochs in a row have not improved (never with patience 0).
  bool should_stop() const;
  int best_epoch() const { return best_epoch_; }
  double best_value() const { return best_; }

 private:
  EarlyStopping options_;
  int best_epoch_ = -1;
  double best_ = 0.0;
  int since_best_ = 0;
};

// A copy of every parameter and batch-norm buffer value of a network.
class WeightSnapshot {
 public:
  void take(nn::Network& net);
  // Writes the copy back and tells the network its weights changed. Needs a take() first.
  void restore(nn::Network& net) const;
  bool empty() const { return params_.empty() && buffers_.empty(); }

 private:
  std::vector<std::vector<float>> params_, buffers_;
};

}  // namespace kcell::train
