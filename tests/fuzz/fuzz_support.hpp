// Shared by the fuzz targets: which failures are acceptable answers to hostile input, and
// scratch files for the readers that take a path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <string>

#include "common/error.hpp"
#include "kcell/kcell.h"

namespace kcell::fuzz {

// Arrays the targets let an input declare: large enough for every seed, small enough that
// no input can make a reader allocate much (the readers check sizes before allocating).
inline constexpr uint64_t kMaxBytes = 16u << 20;

// A bug, not an answer: print it and abort so that libFuzzer (or the replay runner) keeps
// the input.
[[noreturn]] inline void bug(const std::string& what) {
  std::fprintf(stderr, "fuzz target found a bug: %s\n", what.c_str());
  std::abort();
}

// Runs body(); a kcell::Error whose status is one of `allowed` and that carries a message
// is the expected answer to bad input. Anything else thrown is a bug.
template <class Body>
bool rejects_cleanly(std::initializer_list<Status> allowed, Body&& body) {
  try {
    body();
    return false;
  } catch (const Error& e) {
    bool ok = false;
    for (Status s : allowed) ok = ok || e.status() == s;
    if (!ok)
      bug("unexpected status " + std::to_string(static_cast<int>(e.status())) + ": " + e.what());
    if (std::string(e.what()).empty()) bug("an error without a message");
    return true;
  } catch (const std::exception& e) {
    bug(std::string("a raw C++ exception escaped: ") + e.what());
  }
}

// kcell_model_load_from_memory() of the bytes: the model, or NULL when it refused them as
// it must (KCELL_ERROR_FORMAT with a message, the out-parameter untouched); any other
// refusal is a bug.
kcell_model* loaded_model(const void* data, size_t size);

// The bytes kcell_model_save_to_memory() gives for `model`; a model that does not save
// is a bug.
std::string saved_model(const kcell_model* model);

// Writes `size` bytes to a file of this process's scratch folder (under $TMPDIR or /tmp)
// and returns its path; the same name is overwritten by the next call.
std::string scratch_file(const std::string& name, const uint8_t* data, size_t size);

}  // namespace kcell::fuzz
