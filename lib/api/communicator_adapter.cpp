#include "api/communicator_adapter.hpp"

#include "api/arguments.hpp"
#include "common/error.hpp"

namespace kcell::api {

CCommunicator::CCommunicator(const kcell_communicator* c) {
  const size_t size =
      caller_struct_size(c, "communicator", "set struct_size to sizeof(kcell_communicator)");
  if (!has_room(size, c, &c->abort))
    fail(Status::invalid_argument,
         "communicator: struct_size " + std::to_string(size) + " is smaller than the " +
             std::to_string(sizeof(kcell_communicator)) + " bytes of kcell_communicator");
  c_ = *c;
  if (!c_.rank || !c_.size || !c_.allreduce_sum || !c_.broadcast)
    fail(Status::invalid_argument,
         "communicator: rank, size, allreduce_sum and broadcast must all be set (abort may "
         "be NULL)");
  size_ = c_.size(c_.user_data);
  rank_ = c_.rank(c_.user_data);
  if (size_ < 1 || rank_ < 0 || rank_ >= size_)
    fail(Status::invalid_argument, "communicator: rank " + std::to_string(rank_) + " of " +
                                       std::to_string(size_) + " ranks is not a rank");
}

void CCommunicator::allreduce_sum(float* data, size_t count) {
  const int r = c_.allreduce_sum(c_.user_data, data, count);
  if (r != 0)
    fail(Status::communication, "rank " + std::to_string(rank_) +
                                    ": the communicator's "
                                    "allreduce_sum failed (returned " +
                                    std::to_string(r) + "): a peer died, hung or disagrees");
}

void CCommunicator::broadcast(void* data, size_t bytes, int root) {
  const int r = c_.broadcast(c_.user_data, data, bytes, root);
  if (r != 0)
    fail(Status::communication, "rank " + std::to_string(rank_) +
                                    ": the communicator's "
                                    "broadcast failed (returned " +
                                    std::to_string(r) + "): a peer died, hung or disagrees");
}

}  // namespace kcell::api
