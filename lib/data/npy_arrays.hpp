// Reading the payload of .npy image stacks and label vectors into the dataset layout.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "io/byte_source.hpp"
#include "io/npy_header.hpp"

namespace kcell::data {

// The shape of a uint8 image stack, (N,H,W) or (N,H,W,C).
struct ImageStackShape {
  uint64_t count = 0;
  int channels = 0;
  int height = 0;
  int width = 0;
  bool channels_last = false;  // (N,H,W,C) with C > 1: needs a transpose to N×C×H×W

  uint64_t image_bytes() const {
    return static_cast<uint64_t>(channels) * static_cast<uint64_t>(height) *
           static_cast<uint64_t>(width);
  }
};

// Checks that `header` describes uint8 images (N,H,W) or (N,H,W,C) with C 1 or 3, in C
// order, and returns the shape. Throws a format error naming `where` otherwise.
ImageStackShape image_stack_shape(const io::NpyHeader& header, const std::string& where);

// The most labels per image a multi-label array may have (ChestMNIST has 14); the metrics
// cover as many.
inline constexpr uint64_t kMaxLabelsPerImage = 4096;

// The shape of a label array: N images of `width` labels each.
struct LabelArrayShape {
  uint64_t count = 0;
  int width = 1;  // 1 for (N,) and (N, 1); L for multi-label (N, L)
};

// Checks that `header` describes integer labels of shape (N,), (N,1) or (N,L) with
// 2 <= L <= kMaxLabelsPerImage (multi-label) in C order. Throws a format error naming
// `where` otherwise.
LabelArrayShape label_array_shape(const io::NpyHeader& header, const std::string& where);

// Reads a whole image stack whose header was just read: checks the payload size against
// the bytes present and max_bytes, then fills a vector with N×C×H×W bytes and checks that
// no data follows.
std::vector<uint8_t> read_image_payload(io::ByteSource& source, const io::NpyHeader& header,
                                        const ImageStackShape& shape, uint64_t max_bytes);

// Reads a label array whose header was just read, as int32 (see convert_labels).
std::vector<int32_t> read_label_payload(io::ByteSource& source, const io::NpyHeader& header,
                                        uint64_t max_bytes);

// Throws a format error unless the payload the header declares matches the bytes present
// (exactly, when the source knows its size), and a limit error above max_bytes.
void check_payload_size(const io::ByteSource& source, const io::NpyHeader& header,
                        uint64_t max_bytes);

}  // namespace kcell::data
