#include "io/npy_writer.hpp"

#include <cstring>
#include <string>

#include "common/error.hpp"
#include "io/npy_header.hpp"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the .npy files written say little-endian; this writer copies host values as they are"
#endif

namespace kcell::io {
namespace {

constexpr size_t kAlignment = 64;
constexpr size_t kPreamble = io::kNpyMagicSize + 2 + 2;  // magic, version, header length

}  // namespace

std::vector<uint8_t> npy_array(const std::vector<int64_t>& shape, const std::string& descr,
                               size_t item_size, const void* values, size_t count) {
  std::vector<uint64_t> dims;
  uint64_t product = 1;
  for (int64_t d : shape) {
    if (d < 0) fail(Status::internal, "npy_array: negative dimension");
    dims.push_back(static_cast<uint64_t>(d));
    product *= static_cast<uint64_t>(d);
  }
  if (product != count)
    fail(Status::internal, "npy_array: shape " + io::shape_string(dims) + " holds " +
                               std::to_string(product) + " values, given " + std::to_string(count));

  std::string header = "{'descr': '" + descr +
                       "', 'fortran_order': False, 'shape': " + io::shape_string(dims) + ", }";
  // Spaces, then a newline, up to the next multiple of 64 (numpy's own layout).
  const size_t unpadded = kPreamble + header.size() + 1;
  header.append((kAlignment - unpadded % kAlignment) % kAlignment, ' ');
  header += '\n';
  if (header.size() > UINT16_MAX) fail(Status::internal, "npy_array: header too long");

  std::vector<uint8_t> out(kPreamble + header.size() + count * item_size);
  uint8_t* p = out.data();
  std::memcpy(p, io::kNpyMagic, io::kNpyMagicSize);
  p[6] = 1;  // format version 1.0
  p[7] = 0;
  p[8] = static_cast<uint8_t>(header.size() & 0xff);
  p[9] = static_cast<uint8_t>(header.size() >> 8);
  std::memcpy(p + kPreamble, header.data(), header.size());
  if (count) std::memcpy(p + kPreamble + header.size(), values, count * item_size);
  return out;
}

std::vector<uint8_t> npy_float32(const std::vector<int64_t>& shape, const float* values,
                                 size_t count) {
  return npy_array(shape, "<f4", sizeof(float), values, count);
}

}  // namespace kcell::io
