// Turns integer labels of any width and byte order into int32 class indices.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "io/npy_header.hpp"

namespace kcell::data {

// The largest class index kcell accepts. Far above any image classification task, and low
// enough that per-class arrays sized from a hostile file's labels stay small.
inline constexpr int32_t kMaxLabel = 65535;

// Converts `count` integer elements of `dtype` (u1..u8, i1..i8, either byte order) from
// `raw` into `out`. Throws a format error naming `where` and the index for a negative label
// or one above kMaxLabel, and for a dtype that is not an integer.
void convert_labels(const uint8_t* raw, size_t count, const io::NpyDtype& dtype, int32_t* out,
                    const std::string& where);

}  // namespace kcell::data
