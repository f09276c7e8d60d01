// `kcell sweep` and `kcell tune` under mpirun: the trials of a round are spread over the
// ranks, each trained in one process on its rank (SingleProcessTraining); then every rank
// learns every trial's result, so all ranks take the same decisions (ranking, the next
// rung), and rank 0 alone prints the table and writes files. With one process it is the
// plain sequential loop. docs/scaling.md says why the wait has no timeout.
#pragma once

#include <kcell/kcell.hpp>

#include <cstddef>
#include <optional>
#include <vector>

#include "sweep_table.hpp"

namespace kcell_cli {

struct TrialResult {
  bool ran = false;  // false: the rank left it out (tune's budget)
  SweepRow row;
  int planned_epochs = 0;  // the run's length as training resolved it
};

// A round of `count` trials: trial i trains on rank i % ranks.
class TrialRound {
 public:
  explicit TrialRound(size_t count);
  size_t count() const { return results_.size(); }
  int owner(size_t trial) const;
  bool mine(size_t trial) const;
  // This rank's trial `trial` ran with these results.
  void finish(size_t trial, const SweepRow& row, int planned_epochs);
  // Every trial's result on every rank, in trial order (unfinished ones: ran false). Waits
  // for every rank to end its trials of the round, however long that takes.
  std::vector<TrialResult> exchange();

 private:
  std::vector<TrialResult> results_;
};

// Afterwards `model` holds, on rank 0, the model it held on rank `owner`; on the other ranks
// nothing. Every rank calls it, in the same order.
void move_to_rank0(std::optional<kcell::Model>& model, int owner);

}  // namespace kcell_cli
