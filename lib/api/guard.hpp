// The C boundary: runs C++ code, turns every exception into a kcell_status and a
// thread-local message, so nothing thrown ever crosses the C ABI.
#pragma once

#include <cstddef>
#include <cstring>
#include <string>

#include "common/error.hpp"
#include "kcell/kcell.h"

namespace kcell::api {

// Records the message returned by kcell_last_error() on this thread.
void set_last_error(const std::string& message);

// Records a failure and returns its status.
kcell_status fail_with(kcell_status status, const std::string& message);

// Converts the exception being handled into a status and message.
kcell_status status_from_current_exception() noexcept;

// Runs body() and returns KCELL_OK, or the status of whatever it threw.
template <class Body>
kcell_status guarded(Body&& body) noexcept {
  try {
    body();
    return KCELL_OK;
  } catch (...) {
    return status_from_current_exception();
  }
}

// Throws invalid_argument naming the parameter when p is NULL.
template <class T>
void require(const T* p, const char* name) {
  if (p == nullptr) kcell::fail(Status::invalid_argument, std::string(name) + " is NULL");
}

// The number a C caller stored in an enum, read without loading it as the C++ enum type
// (a value outside the enumerators would be undefined behaviour there).
template <class Enum>
int raw_enum(const Enum& e) {
  static_assert(sizeof(Enum) == sizeof(int), "C enums are int-sized here");
  int value;
  std::memcpy(&value, &e, sizeof value);
  return value;
}

// Copies the first `struct_size` bytes of a library-side struct `full` (whose first field
// is its size_t struct_size) to a caller's struct of that size, setting its struct_size
// field: a caller built against an older, smaller header gets no byte written past its end.
void copy_sized(void* full, size_t full_size, void* out, size_t struct_size);

}  // namespace kcell::api
