// Checks of the caller's arguments that several C functions share: the struct_size of a
// versioned struct, a split number, and the string-out convention.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string>

#include "data/dataset.hpp"

namespace kcell::api {

// The struct_size a caller put in the first field of a versioned struct, read bytewise (an
// older caller's struct may be smaller than ours). Throws invalid_argument unless it covers
// at least that field; the message names `what` ("params") and says how to set it (`how`).
size_t caller_struct_size(const void* s, const char* what, const char* how);

// Whether a caller's struct of `size` bytes holds `field`, a member of *s, wholly.
template <class Struct, class Field>
bool has_room(size_t size, const Struct* s, const Field* field) {
  return size >= static_cast<size_t>(reinterpret_cast<const char*>(field) -
                                     reinterpret_cast<const char*>(s)) +
                     sizeof(Field);
}

// Copies the fields after struct_size of `full`, built whole first so that a failure
// writes nothing, into a caller's struct of `size` bytes (caller_struct_size).
template <class Struct>
void copy_prefix(Struct* out, const Struct& full, size_t size) {
  std::memcpy(reinterpret_cast<char*>(out) + sizeof(size_t),
              reinterpret_cast<const char*>(&full) + sizeof(size_t),
              std::min(size, sizeof full) - sizeof(size_t));
}

// The split a caller numbered (its kcell_split read with raw_enum). Throws
// invalid_argument unless it is KCELL_SPLIT_TRAIN, _VAL or _TEST.
data::SplitId checked_split(int which);

// The string-out convention: *needed (if not NULL) always gets the bytes `text` needs with
// its NUL; the text is copied only if it fits, else buffer_too_small naming `what`.
void copy_out(const std::string& text, char* buffer, size_t capacity, size_t* needed,
              const char* what);

}  // namespace kcell::api
