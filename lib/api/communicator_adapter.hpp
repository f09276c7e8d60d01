// The C ABI's kcell_communicator as the trainer's train::Communicator: checks the struct,
// turns a non-zero return into Error(communication). The non-blocking sums are there
// when the caller's struct has them (its struct_size) and they are set.
#pragma once

#include <kcell/kcell.h>

#include "train/communicator.hpp"

namespace kcell::api {

class CCommunicator : public train::Communicator {
 public:
  // Copies *c; throws invalid_argument for a struct too small or a missing function.
  explicit CCommunicator(const kcell_communicator* c);
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void allreduce_sum(float* data, size_t count) override;
  void broadcast(void* data, size_t bytes, int root) override;
  bool can_start() const override { return c_.allreduce_sum_start != nullptr; }
  Request start_allreduce_sum(float* data, size_t count) override;
  void wait(Request request) override;
  void progress() override;

 private:
  // Error(communication) naming `function` when it returned non-zero.
  void check(int returned, const char* function) const;

  kcell_communicator c_{};
  int rank_ = 0, size_ = 1;
};

}  // namespace kcell::api
