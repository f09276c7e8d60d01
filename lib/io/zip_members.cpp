#include "io/zip_members.hpp"

#include "common/error.hpp"
#include "io/npy_header.hpp"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "float32 members are little-endian; this reader copies them as they are"
#endif

namespace kcell::io {

std::vector<uint8_t> read_member_bytes(ZipArchive& zip, const std::string& name, uint64_t max_bytes,
                                       const char* what) {
  std::unique_ptr<ByteSource> source = zip.open_member(name);
  const uint64_t size = source->size().bytes;
  if (size > max_bytes)
    fail(Status::format, source->name() + " declares " + std::to_string(size) +
                             " bytes, more than " + what + " can plausibly need");
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  read_exact(*source, bytes.data(), bytes.size(), what);
  expect_end(*source, what);  // also checks the CRC
  return bytes;
}

std::vector<float> read_float32_member(ZipArchive& zip, const std::string& name,
                                       const std::vector<uint64_t>& shape,
                                       const std::string& needed_by) {
  std::unique_ptr<ByteSource> source = zip.open_member(name);
  const NpyHeader header = read_npy_header(*source);
  const NpyDtype& dtype = header.dtype;
  if (dtype.kind != 'f' || dtype.item_size != 4 || dtype.big_endian)
    fail(Status::format, source->name() + " has dtype '" + dtype.descr +
                             "'; it must be '<f4' (little-endian float32)");
  if (header.fortran_order)
    fail(Status::format, source->name() + " is in Fortran order; it must be in C order");
  if (header.shape != shape)
    fail(Status::format, source->name() + " has shape " + shape_string(header.shape) + " but " +
                             needed_by + " needs " + shape_string(shape));
  check_remaining(*source, header.payload_bytes, "the array data");
  std::vector<float> values(static_cast<size_t>(header.element_count));
  read_exact(*source, values.data(), values.size() * sizeof(float), "the array data");
  expect_end(*source, "the array data");  // also checks the CRC
  return values;
}

}  // namespace kcell::io
