// Writes arrays in numpy's .npy format (version 1.0, little-endian, C order), as numpy.save
// would, so numpy.load reads them back unchanged.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace kcell::io {

// The whole .npy file for `count` floats of the given shape (count must equal the shape's
// product; throws Status::internal otherwise). The header is padded so that the data starts
// at a multiple of 64 bytes, as numpy does.
// The whole .npy file for `count` items of `item_size` bytes at `values`, of numpy dtype
// `descr` (e.g. '|u1', '<i4'; host order, which is little-endian), in the given shape.
std::vector<uint8_t> npy_array(const std::vector<int64_t>& shape, const std::string& descr,
                               size_t item_size, const void* values, size_t count);

// npy_array() of float32 values ('<f4').
std::vector<uint8_t> npy_float32(const std::vector<int64_t>& shape, const float* values,
                                 size_t count);

}  // namespace kcell::io
