// The model's state before its latest training steps, so that a step whose loss or
// gradients are NaN or infinite can be undone to the last weights known to be good.
#pragma once

#include <vector>

#include "nn/network.hpp"

namespace kcell::train {

// Keeps copies of every parameter and batch-norm running statistic as they were before the
// latest two training forwards. When the forward of step b gives a non-finite loss (or its
// backward non-finite gradients), the weights step b used are the cause: they came from
// step b - 1. The last good state is therefore the one before step b - 1, whose own forward
// and backward were finite; restore() goes back to it.
class LastGoodState {
 public:
  LastGoodState(std::vector<nn::Param*> params, std::vector<nn::Buffer*> buffers);

  // Before each training forward: remembers the state now (and keeps the one before).
  void save();
  // Puts back the state from before the previous step (the one save() kept before the
  // latest), or the only state saved when there was just one step; tells the network.
  void restore(nn::Network& net);

 private:
  std::vector<nn::Param*> params_;
  std::vector<nn::Buffer*> buffers_;
  std::vector<std::vector<float>> latest_, previous_;  // params then buffers, flat
  int saved_ = 0;  // how many of latest_ and previous_ hold a state (0, 1 or 2)
};

}  // namespace kcell::train
