// IDX files (the MNIST / Fashion-MNIST format), plain or gzip-compressed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "io/byte_source.hpp"

namespace kcell::data {

struct IdxHeader {
  std::vector<uint64_t> dims;  // e.g. (60000, 28, 28) for images, (60000) for labels
  uint64_t payload_bytes = 0;  // product of dims (unsigned bytes)
};

// True when the bytes start like an IDX file: two zero bytes, a known type code and a
// dimension count of 1 to 4.
bool is_idx_magic(const std::string& prefix);

// Reads the header at the start of `source` and checks it: unsigned-byte data, `dims`
// dimensions, a payload within max_bytes (limit error) that the stream can hold. Errors
// name source.name().
IdxHeader read_idx_header(io::ByteSource& source, size_t dims, uint64_t max_bytes);

// Checks image dimensions (N, H, W) and returns them as ints for the dataset.
void idx_image_size(const IdxHeader& header, const std::string& where, int* height, int* width);

}  // namespace kcell::data
