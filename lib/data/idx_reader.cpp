#include "data/idx_reader.hpp"

#include <climits>

#include "common/error.hpp"

namespace kcell::data {
namespace {

constexpr uint8_t kTypeUnsignedByte = 0x08;

bool known_type(uint8_t type) {
  // unsigned byte, signed byte, short, int, float, double
  return type == 0x08 || type == 0x09 || type == 0x0B || type == 0x0C || type == 0x0D ||
         type == 0x0E;
}

std::string dims_string(const std::vector<uint64_t>& dims) {
  std::string s;
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? " x " : "") + std::to_string(dims[i]);
  return s;
}

}  // namespace

bool is_idx_magic(const std::string& prefix) {
  if (prefix.size() < 4) return false;
  auto b = [&](size_t i) { return static_cast<uint8_t>(prefix[i]); };
  return b(0) == 0 && b(1) == 0 && known_type(b(2)) && b(3) >= 1 && b(3) <= 4;
}

IdxHeader read_idx_header(io::ByteSource& source, size_t dims, uint64_t max_bytes) {
  uint8_t magic[4];
  io::read_exact(source, magic, 4, "the IDX magic number");
  std::string prefix(reinterpret_cast<const char*>(magic), 4);
  if (!is_idx_magic(prefix)) fail(Status::format, source.name() + ": not an IDX file (bad magic)");
  if (magic[2] != kTypeUnsignedByte) {
    const char* hex = "0123456789abcdef";
    fail(Status::format, source.name() + ": IDX data type 0x" + hex[magic[2] >> 4] +
                             hex[magic[2] & 15] +
                             " is not supported; unsigned bytes (0x08) are required");
  }
  if (magic[3] != dims) {
    const char* kind = dims == 3 ? "an image file (N x H x W)" : "a label file (N)";
    fail(Status::format, source.name() + ": IDX file has " + std::to_string(magic[3]) +
                             " dimension(s) where " + kind + " was expected" +
                             (magic[3] == 1 ? "; open label files through their folder" : ""));
  }
  IdxHeader header;
  header.payload_bytes = 1;
  for (size_t i = 0; i < dims; ++i) {
    uint8_t be[4];
    io::read_exact(source, be, 4, "the IDX dimensions");
    uint64_t dim =
        (uint64_t{be[0]} << 24) | (uint64_t{be[1]} << 16) | (uint64_t{be[2]} << 8) | be[3];
    header.dims.push_back(dim);
    if (__builtin_mul_overflow(header.payload_bytes, dim, &header.payload_bytes) ||
        header.payload_bytes > max_bytes) {
      fail(Status::limit, source.name() + ": IDX dimensions " + dims_string(header.dims) +
                              "... declare more than the limit of " + std::to_string(max_bytes) +
                              " bytes (raise max_bytes to allow it)");
    }
  }
  io::check_remaining(source, header.payload_bytes, "IDX dimensions " + dims_string(header.dims));
  return header;
}

void idx_image_size(const IdxHeader& header, const std::string& where, int* height, int* width) {
  if (header.dims.size() != 3 || header.dims[1] == 0 || header.dims[2] == 0 ||
      header.dims[1] > INT_MAX || header.dims[2] > INT_MAX) {
    fail(Status::format, where + ": IDX images need dimensions N x H x W with H, W > 0");
  }
  *height = static_cast<int>(header.dims[1]);
  *width = static_cast<int>(header.dims[2]);
}

}  // namespace kcell::data
