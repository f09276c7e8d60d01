// An exponential moving average of the weights (timm's ModelEmaV2): a smoother model than
// the last step's, which validation, model selection and the saved model use.
#pragma once

#include <cstdint>
#include <vector>

#include "nn/network.hpp"
#include "train/model_selection.hpp"

namespace kcell::train {

// The decay of update number `step` (0-based) for a configured `decay`:
// min(decay, (1 + step) / (10 + step)). The warm-up (TensorFlow's ExponentialMovingAverage
// with num_updates) keeps the first steps from being dominated by the random
// initialisation the average starts from: update 0 takes 90 % of the new weights.
double average_decay_at(double decay, uint64_t step);

// Follows every parameter and batch-norm running statistic of a network:
// average = d * average + (1 - d) * value, after each optimiser step.
class WeightAverage {
 public:
  // Starts the average at the network's current values; decay in (0, 1).
  WeightAverage(nn::Network& net, double decay);

  // After an optimiser step (with the training weights in the network).
  void update();

  // Exchanges the network's values with the average (no copy: the vectors trade places)
  // and tells the network; a second call puts the training weights back.
  void swap();
  bool swapped() const { return swapped_; }

  uint64_t steps() const { return steps_; }
  // The average, in the order of Network::params() and buffers() (for checkpoints), and
  // putting one back with its step count. Both need the training weights in the network.
  WeightSnapshot snapshot() const;
  void restore(const WeightSnapshot& average, uint64_t steps);

 private:
  nn::Network& net_;
  std::vector<nn::Param*> params_;
  std::vector<nn::Buffer*> buffers_;
  double decay_;
  uint64_t steps_ = 0;
  std::vector<std::vector<float>> average_;  // params then buffers
  bool swapped_ = false;
};

// Has the average in the network for its lifetime (validation, model selection), and the
// training weights back afterwards, also when an exception passes.
class AverageInNetwork {
 public:
  explicit AverageInNetwork(WeightAverage* average) : average_(average) {
    if (average_) average_->swap();
  }
  ~AverageInNetwork() {
    if (average_) average_->swap();
  }
  AverageInNetwork(const AverageInNetwork&) = delete;
  AverageInNetwork& operator=(const AverageInNetwork&) = delete;

 private:
  WeightAverage* average_;
};

}  // namespace kcell::train
