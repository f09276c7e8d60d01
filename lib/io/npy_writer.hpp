// Writes float32 arrays in numpy's .npy format (version 1.0, little-endian '<f4', C order),
// as numpy.save would, so numpy.load reads them back unchanged.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace kcell::io {

// The whole .npy file for `count` floats of the given shape (count must equal the shape's
// product; throws Status::internal otherwise). The header is padded so that the data starts
// at a multiple of 64 bytes, as numpy does.
std::vector<uint8_t> npy_float32(const std::vector<int64_t>& shape, const float* values,
                                 size_t count);

}  // namespace kcell::io
