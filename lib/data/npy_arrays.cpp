#include "data/npy_arrays.hpp"

#include <algorithm>
#include <climits>

#include "common/error.hpp"
#include "data/bulk_buffer.hpp"
#include "data/label_convert.hpp"

namespace kcell::data {
namespace {

// Images are transposed from H×W×C to C×H×W through a buffer of about this many bytes.
constexpr uint64_t kTransposeBufferBytes = 1u << 20;

int checked_dimension(uint64_t value, const char* name, const std::string& where,
                      const io::NpyHeader& header) {
  if (value == 0 || value > static_cast<uint64_t>(INT_MAX)) {
    fail(Status::format, where + ": images of shape " + io::shape_string(header.shape) +
                             " have an invalid " + name);
  }
  return static_cast<int>(value);
}

void transpose_hwc_to_chw(const uint8_t* hwc, uint8_t* chw, size_t pixels, int channels) {
  for (int c = 0; c < channels; ++c) {
    uint8_t* plane = chw + static_cast<size_t>(c) * pixels;
    const uint8_t* src = hwc + c;
    for (size_t p = 0; p < pixels; ++p) plane[p] = src[p * static_cast<size_t>(channels)];
  }
}

}  // namespace

ImageStackShape image_stack_shape(const io::NpyHeader& header, const std::string& where) {
  if (header.dtype.kind != 'u' || header.dtype.item_size != 1) {
    fail(Status::format,
         where + ": images have dtype '" + header.dtype.descr + "'; uint8 ('|u1') is required");
  }
  if (header.fortran_order)
    fail(Status::format, where + ": fortran_order arrays are not supported; save in C order");
  const auto& s = header.shape;
  if (s.size() != 3 && s.size() != 4) {
    fail(Status::format, where + ": images have shape " + io::shape_string(s) +
                             "; (N, H, W) or (N, H, W, C) is required");
  }
  ImageStackShape shape;
  shape.count = s[0];
  shape.height = checked_dimension(s[1], "height", where, header);
  shape.width = checked_dimension(s[2], "width", where, header);
  shape.channels = s.size() == 4 ? checked_dimension(s[3], "channel count", where, header) : 1;
  if (shape.channels != 1 && shape.channels != 3) {
    fail(Status::format, where + ": images of shape " + io::shape_string(s) + " have " +
                             std::to_string(shape.channels) +
                             " channels; 1 (grey) or 3 (RGB) are supported");
  }
  shape.channels_last = shape.channels > 1;
  return shape;
}

LabelArrayShape label_array_shape(const io::NpyHeader& header, const std::string& where) {
  if (!header.dtype.is_integer()) {
    fail(Status::format,
         where + ": labels have dtype '" + header.dtype.descr + "'; an integer dtype is required");
  }
  if (header.fortran_order)
    fail(Status::format, where + ": fortran_order arrays are not supported; save in C order");
  const auto& s = header.shape;
  const bool ok = s.size() == 1 || (s.size() == 2 && s[1] >= 1 && s[1] <= kMaxLabelsPerImage);
  if (!ok) {
    fail(Status::format, where + ": labels have shape " + io::shape_string(s) +
                             "; (N,) or (N, 1) (a class per image) or (N, L) with L from 2 to " +
                             std::to_string(kMaxLabelsPerImage) +
                             " (L binary labels per image) is required");
  }
  return {s[0], s.size() == 2 ? static_cast<int>(s[1]) : 1};
}

void check_payload_size(const io::ByteSource& source, const io::NpyHeader& header,
                        uint64_t max_bytes) {
  io::check_npy_limit(header, max_bytes, source.name());
  io::check_remaining(
      source, header.payload_bytes,
      "shape " + io::shape_string(header.shape) + " of dtype '" + header.dtype.descr + "'");
}

std::vector<uint8_t> read_image_payload(io::ByteSource& source, const io::NpyHeader& header,
                                        const ImageStackShape& shape, uint64_t max_bytes) {
  check_payload_size(source, header, max_bytes);
  std::vector<uint8_t> images;
  resize_for_bulk_write(images, static_cast<size_t>(header.payload_bytes));
  if (!shape.channels_last) {
    // N×H×W (or N×H×W×1) already is N×C×H×W: read straight into the result.
    io::read_exact(source, images.data(), images.size(), "image data");
  } else {
    const size_t image_bytes = static_cast<size_t>(shape.image_bytes());
    const size_t pixels = static_cast<size_t>(shape.height) * static_cast<size_t>(shape.width);
    const size_t per_chunk = std::max<size_t>(1, kTransposeBufferBytes / image_bytes);
    std::vector<uint8_t> buffer(per_chunk * image_bytes);
    for (size_t done = 0; done < shape.count;) {
      size_t n = std::min<size_t>(per_chunk, static_cast<size_t>(shape.count) - done);
      io::read_exact(source, buffer.data(), n * image_bytes, "image data");
      for (size_t i = 0; i < n; ++i) {
        transpose_hwc_to_chw(buffer.data() + i * image_bytes,
                             images.data() + (done + i) * image_bytes, pixels, shape.channels);
      }
      done += n;
    }
  }
  io::expect_end(source, "the image data");
  return images;
}

std::vector<int32_t> read_label_payload(io::ByteSource& source, const io::NpyHeader& header,
                                        uint64_t max_bytes) {
  check_payload_size(source, header, max_bytes);
  std::vector<uint8_t> raw(static_cast<size_t>(header.payload_bytes));
  io::read_exact(source, raw.data(), raw.size(), "label data");
  io::expect_end(source, "the label data");
  std::vector<int32_t> labels(static_cast<size_t>(header.element_count));
  convert_labels(raw.data(), labels.size(), header.dtype, labels.data(), source.name());
  return labels;
}

}  // namespace kcell::data
