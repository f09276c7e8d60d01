#include "api/arguments.hpp"

#include <cstring>
#include <string>

#include "api/guard.hpp"

namespace kcell::api {

size_t caller_struct_size(const void* s, const char* what, const char* how) {
  size_t size = 0;
  std::memcpy(&size, s, sizeof size);
  if (size < sizeof size)
    kcell::fail(Status::invalid_argument,
                std::string(what) + "->struct_size is " + std::to_string(size) + "; " + how);
  return size;
}

data::SplitId checked_split(int which) {
  static_assert(KCELL_SPLIT_TRAIN == static_cast<int>(data::SplitId::train) &&
                KCELL_SPLIT_VAL == static_cast<int>(data::SplitId::val) &&
                KCELL_SPLIT_TEST == static_cast<int>(data::SplitId::test));
  if (which != KCELL_SPLIT_TRAIN && which != KCELL_SPLIT_VAL && which != KCELL_SPLIT_TEST)
    kcell::fail(Status::invalid_argument,
                "unknown split " + std::to_string(which) +
                    "; use KCELL_SPLIT_TRAIN, KCELL_SPLIT_VAL or KCELL_SPLIT_TEST");
  return static_cast<data::SplitId>(which);
}

void copy_out(const std::string& text, char* buffer, size_t capacity, size_t* needed,
              const char* what) {
  const size_t size = text.size() + 1;
  if (needed) *needed = size;
  if (capacity < size)
    kcell::fail(Status::buffer_too_small, std::string(what) + " needs " + std::to_string(size) +
                                              " bytes with its NUL; the buffer holds " +
                                              std::to_string(capacity));
  require(buffer, "buffer");
  std::memcpy(buffer, text.c_str(), size);
}

}  // namespace kcell::api
