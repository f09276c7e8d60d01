// Shared bits of the kcell command-line program: failing with kcell's message, split names.
// The program uses the library through kcell.hpp; a kcell::Error that reaches main() is
// reported as kcell's message, in_context() puts what the program was doing in front of it.
#pragma once

#include <kcell/kcell.hpp>

#include <stdexcept>
#include <string>

namespace kcell_cli {

// A failure reported to the user as one line on stderr; exit code 1.
struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Runs body(); a kcell::Error it throws becomes a Failure "what: kcell's message" (just the
// message when `what` is empty, as when kcell's message already names the file).
template <class Body>
auto in_context(const std::string& what, Body&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const kcell::Error& e) {
    throw Failure(what.empty() ? std::string(e.what()) : what + ": " + e.what());
  }
}

using kcell::split_name;

}  // namespace kcell_cli
