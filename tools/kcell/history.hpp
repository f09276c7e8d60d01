// A training run's per-epoch record, copied out of kcell_history.
#pragma once

#include <kcell/kcell.hpp>

#include <vector>

namespace kcell_cli {

struct RunHistory {
  std::vector<kcell_epoch_stats> epochs;
  int best = -1;  // index into epochs of the epoch whose weights the model kept; -1 none

  // The epoch that stands for the run: the best one, else the last; nullptr if none.
  const kcell_epoch_stats* chosen() const {
    if (best >= 0 && static_cast<size_t>(best) < epochs.size()) return &epochs[best];
    return epochs.empty() ? nullptr : &epochs.back();
  }
};

// Copies every epoch and the best one out of `history`. Throws Failure.
RunHistory read_history(const kcell::History& history);

}  // namespace kcell_cli
