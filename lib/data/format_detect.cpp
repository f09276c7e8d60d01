#include "data/format_detect.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common/error.hpp"
#include "data/idx_reader.hpp"
#include "data/image_folder.hpp"
#include "io/file_source.hpp"
#include "io/npy_header.hpp"

namespace kcell::data {
namespace {

constexpr size_t kSniffBytes = 8;

bool starts_with(const std::string& bytes, const char* magic, size_t n) {
  return bytes.size() >= n && std::memcmp(bytes.data(), magic, n) == 0;
}

bool is_zip(const std::string& bytes) {
  // A local file header, or the end record of an empty archive.
  return starts_with(bytes, "PK\x03\x04", 4) || starts_with(bytes, "PK\x05\x06", 4);
}

// The first bytes after gzip decompression.
std::string gunzipped_prefix(const std::string& path) {
  auto source = io::open_file_source(path);
  std::string bytes(kSniffBytes, '\0');
  size_t have = 0;
  while (have < bytes.size()) {
    size_t got = source->read_some(reinterpret_cast<uint8_t*>(&bytes[have]), bytes.size() - have);
    if (got == 0) break;
    have += got;
  }
  bytes.resize(have);
  return bytes;
}

std::string hex_bytes(const std::string& bytes) {
  const char* hex = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < bytes.size() && i < 4; ++i) {
    auto b = static_cast<unsigned char>(bytes[i]);
    s += (i ? " " : "");
    s += hex[b >> 4];
    s += hex[b & 15];
  }
  return s;
}

}  // namespace

DataFormat detect_format(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    fail(Status::io, path + ": cannot open: " + std::strerror(errno));
  if (S_ISDIR(st.st_mode))
    return is_image_folder(path) ? DataFormat::image_folder : DataFormat::idx_folder;

  std::string bytes = io::read_file_prefix(path, kSniffBytes);
  if (bytes.empty()) fail(Status::format, path + ": the file is empty");
  if (is_zip(bytes)) return DataFormat::npz;
  if (io::is_gzip_magic(bytes)) bytes = gunzipped_prefix(path);
  if (starts_with(bytes, io::kNpyMagic, io::kNpyMagicSize)) return DataFormat::npy;
  if (is_idx_magic(bytes)) return DataFormat::idx_images;
  fail(Status::format,
       path + ": not a .npz, .npy or IDX file (it starts with bytes " + hex_bytes(bytes) + ")");
}

}  // namespace kcell::data
