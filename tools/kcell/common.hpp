// Shared bits of the kcell command-line program: failing with kcell's message, split names,
// owners for the C handles. The program uses the library through kcell.hpp (whose
// kcell::Error main() reports like a Failure); the C-handle owners below are what the files
// not yet moved onto kcell.hpp still use.
#pragma once

#include <kcell/kcell.h>
#include <kcell/kcell.hpp>

#include <stdexcept>
#include <string>
#include <utility>

namespace kcell_cli {

// A failure reported to the user as one line on stderr; exit code 1.
struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Throws Failure with "what: kcell's message" (just the message when `what` is empty,
// as when kcell's message already names the file) unless status is KCELL_OK.
inline void check(kcell_status status, const std::string& what = "") {
  if (status != KCELL_OK) {
    std::string message = kcell_last_error();
    if (message.empty()) message = kcell_status_string(status);
    throw Failure(what.empty() ? message : what + ": " + message);
  }
}

// Runs body(); a kcell::Error it throws becomes a Failure "what: kcell's message" (as
// check() words it).
template <class Body>
auto in_context(const std::string& what, Body&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const kcell::Error& e) {
    throw Failure(what.empty() ? std::string(e.what()) : what + ": " + e.what());
  }
}

using kcell::split_name;

// RAII owner for the C handles used by the program; movable, not copyable.
template <class T, void (*Free)(T*)>
struct Handle {
  T* ptr = nullptr;
  Handle() = default;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& other) noexcept : ptr(std::exchange(other.ptr, nullptr)) {}
  Handle& operator=(Handle&& other) noexcept {
    std::swap(ptr, other.ptr);
    return *this;
  }
  ~Handle() { Free(ptr); }
  T** out() { return &ptr; }
  T* get() const { return ptr; }
};

using Dataset = Handle<kcell_dataset, kcell_dataset_free>;
using Model = Handle<kcell_model, kcell_model_free>;
using History = Handle<kcell_history, kcell_history_free>;

}  // namespace kcell_cli
