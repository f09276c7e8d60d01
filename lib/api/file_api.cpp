// Output files through the C API: the atomic writer and the preflight check of
// lib/common/atomic_file, for callers (the kcell program) that write files of
// their own.
#include <string>
#include <vector>

#include "api/guard.hpp"
#include "common/atomic_file.hpp"

using kcell::api::guarded;
using kcell::api::require;

extern "C" {

KCELL_API kcell_status kcell_write_file(const char* path, const void* data, size_t size) {
  return guarded([&] {
    require(path, "path");
    if (path[0] == '\0') kcell::fail(kcell::Status::invalid_argument, "path is empty");
    if (size > 0) require(data, "data");
    kcell::write_file_atomically(path, size > 0 ? data : "", size);
  });
}

KCELL_API kcell_status kcell_check_output(const char* path, const char* const* inputs,
                                          size_t count) {
  return guarded([&] {
    require(path, "path");
    if (path[0] == '\0') kcell::fail(kcell::Status::invalid_argument, "path is empty");
    if (count > 0) require(inputs, "inputs");
    std::vector<std::string> names;
    for (size_t i = 0; i < count; ++i)
      if (inputs[i]) names.emplace_back(inputs[i]);
    kcell::check_output_file(path, names);
  });
}

}  // extern "C"
