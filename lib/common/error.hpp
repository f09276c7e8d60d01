// Internal error type: thrown below the C API, turned into a kcell_status at the boundary.
#pragma once

#include <stdexcept>
#include <string>

namespace kcell {

// Mirrors kcell_status (lib/api checks the numbers match); kept separate so that nothing
// below lib/api includes the public header.
enum class Status : int {
  ok = 0,
  invalid_argument = 1,
  io = 2,
  format = 3,
  out_of_memory = 4,
  limit = 5,
  buffer_too_small = 6,
  unsupported = 7,
  cancelled = 8,
  not_finite = 9,
  spec = 10,
  internal = 11,
  busy = 12,
  communication = 13,  // a data-parallel run's communicator failed, or the ranks disagree
};

class Error : public std::runtime_error {
 public:
  Error(Status status, const std::string& message) : std::runtime_error(message), status_(status) {}
  Status status() const noexcept { return status_; }

 private:
  Status status_;
};

// Throws Error(status, message); a function so call sites stay one line.
[[noreturn]] inline void fail(Status status, const std::string& message) {
  throw Error(status, message);
}

}  // namespace kcell
