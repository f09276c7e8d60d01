// Early stopping and model selection: which epoch is best by the monitored validation
// number, and a copy of that epoch's weights to hand back at the end.
#pragma once

#include <utility>
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

  // Everything update() has learnt, for checkpoints.
  struct State {
    int best_epoch = -1;
    double best = 0.0;
    int since_best = 0;
  };
  State state() const { return {best_epoch_, best_, since_best_}; }
  void restore(const State& s) {
    best_epoch_ = s.best_epoch;
    best_ = s.best;
    since_best_ = s.since_best;
  }

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

  // The copied values, in the order of Network::params() and buffers(); for checkpoints.
  const std::vector<std::vector<float>>& params() const { return params_; }
  const std::vector<std::vector<float>>& buffers() const { return buffers_; }
  // Sets the copy directly (restore() checks it fits the network).
  void assign(std::vector<std::vector<float>> params, std::vector<std::vector<float>> buffers) {
    params_ = std::move(params);
    buffers_ = std::move(buffers);
  }

 private:
  std::vector<std::vector<float>> params_, buffers_;
};

}  // namespace kcell::train
