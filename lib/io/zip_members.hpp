// Whole members of a zip, read with every size checked first: raw bytes (metadata, nested
// model files) and float32 .npy arrays of a known shape (model tensors, checkpoint state).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "io/zip_archive.hpp"

namespace kcell::io {

// Member `name` whole, its CRC checked. A member declaring more than `max_bytes` is a
// format error "<member> declares N bytes, more than <what> can plausibly need"; `what`
// also names it when it is truncated ("the metadata").
std::vector<uint8_t> read_member_bytes(ZipArchive& zip, const std::string& name, uint64_t max_bytes,
                                       const char* what);

// Member `name` as a little-endian float32 .npy array in C order of exactly `shape`; a
// shape mismatch says "... but <needed_by> needs (...)" ("the architecture").
std::vector<float> read_float32_member(ZipArchive& zip, const std::string& name,
                                       const std::vector<uint64_t>& shape,
                                       const std::string& needed_by);

}  // namespace kcell::io
