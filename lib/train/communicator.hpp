// The ranks of a data-parallel training run as the trainer sees them. lib/api adapts the
// C ABI's kcell_communicator to it; nothing here knows MPI.
#pragma once

#include <cstddef>

#include "common/error.hpp"

namespace kcell::train {

// Collective calls: every rank makes the same calls in the same order with the same
// counts, all on the training thread. A failing transport throws Error(Status::communication).
class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // data[0 .. count) becomes its element-wise sum over the ranks, identical everywhere.
  virtual void allreduce_sum(float* data, size_t count) = 0;
  // bytes at data on `root` are copied to data on every rank.
  virtual void broadcast(void* data, size_t bytes, int root) = 0;

  // Non-blocking sums (optional; without them the trainer sums the gradients after the
  // backward pass): start_allreduce_sum begins what allreduce_sum does and returns a
  // request, wait completes it (data untouched by the caller until then; every request
  // waited exactly once, in the order started), progress lets the started ones advance and
  // must not block. Failures throw Error(Status::communication), as the blocking calls.
  using Request = void*;
  virtual bool can_start() const { return false; }
  virtual Request start_allreduce_sum(float* /*data*/, size_t /*count*/) {
    fail(Status::internal, "this communicator has no non-blocking sum");
  }
  virtual void wait(Request /*request*/) {
    fail(Status::internal, "this communicator has no non-blocking sum");
  }
  virtual void progress() {}
};

// Where a training run runs: one process (no communicator), or data-parallel over the
// ranks of `communicator` (train/data_parallel.hpp), with TrainConfig::batch_size per rank.
struct RunRanks {
  Communicator* communicator = nullptr;  // not owned; must outlive train()
  // With a communicator: batch norm with the global batch's statistics (the result of one
  // process with the global batch); false: each rank's own, running statistics averaged
  // over the ranks after every epoch.
  bool sync_batch_norm = true;
};

}  // namespace kcell::train
