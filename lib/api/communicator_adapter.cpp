#include "api/communicator_adapter.hpp"

#include <cstddef>
#include <cstring>

#include "api/arguments.hpp"
#include "common/error.hpp"

namespace kcell::api {

CCommunicator::CCommunicator(const kcell_communicator* c) {
  const size_t size =
      caller_struct_size(c, "communicator", "set struct_size to sizeof(kcell_communicator)");
  if (!has_room(size, c, &c->abort))
    fail(Status::invalid_argument,
         "communicator: struct_size " + std::to_string(size) + " is smaller than the " +
             std::to_string(offsetof(kcell_communicator, allreduce_sum_start)) +
             " bytes of a kcell_communicator up to abort");
  // The fields past abort exist only in a caller's struct built against a header that
  // has them; an older caller's stay NULL here (no overlap).
  std::memcpy(&c_, c, offsetof(kcell_communicator, allreduce_sum_start));
  if (has_room(size, c, &c->allreduce_wait)) {
    c_.allreduce_sum_start = c->allreduce_sum_start;
    c_.allreduce_wait = c->allreduce_wait;
  }
  if (has_room(size, c, &c->progress)) c_.progress = c->progress;
  if (!c_.rank || !c_.size || !c_.allreduce_sum || !c_.broadcast)
    fail(Status::invalid_argument,
         "communicator: rank, size, allreduce_sum and broadcast must all be set (abort may "
         "be NULL)");
  if ((c_.allreduce_sum_start == nullptr) != (c_.allreduce_wait == nullptr))
    fail(Status::invalid_argument,
         "communicator: allreduce_sum_start and allreduce_wait must be set together (or "
         "both NULL)");
  size_ = c_.size(c_.user_data);
  rank_ = c_.rank(c_.user_data);
  if (size_ < 1 || rank_ < 0 || rank_ >= size_)
    fail(Status::invalid_argument, "communicator: rank " + std::to_string(rank_) + " of " +
                                       std::to_string(size_) + " ranks is not a rank");
}

void CCommunicator::check(int returned, const char* function) const {
  if (returned != 0)
    fail(Status::communication, "rank " + std::to_string(rank_) + ": the communicator's " +
                                    function + " failed (returned " + std::to_string(returned) +
                                    "): a peer died, hung or disagrees");
}

void CCommunicator::allreduce_sum(float* data, size_t count) {
  check(c_.allreduce_sum(c_.user_data, data, count), "allreduce_sum");
}

void CCommunicator::broadcast(void* data, size_t bytes, int root) {
  check(c_.broadcast(c_.user_data, data, bytes, root), "broadcast");
}

CCommunicator::Request CCommunicator::start_allreduce_sum(float* data, size_t count) {
  void* request = nullptr;
  check(c_.allreduce_sum_start(c_.user_data, data, count, &request), "allreduce_sum_start");
  return request;
}

void CCommunicator::wait(Request request) {
  check(c_.allreduce_wait(c_.user_data, request), "allreduce_wait");
}

void CCommunicator::progress() {
  if (c_.progress) check(c_.progress(c_.user_data), "progress");
}

}  // namespace kcell::api
