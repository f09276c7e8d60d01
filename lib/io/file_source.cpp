#include "io/file_source.hpp"

#include <sys/stat.h>
#include <zlib.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>

#include "common/error.hpp"

namespace kcell::io {
namespace {

// Deflate cannot expand data by more than about 1032:1; a gzip file of n bytes therefore
// holds at most this many bytes, which bounds what a declared shape may ask for.
constexpr uint64_t kMaxDeflateRatio = 1032;

[[noreturn]] void fail_io(const std::string& path, const char* action) {
  fail(Status::io, path + ": cannot " + action + ": " + std::strerror(errno));
}

uint64_t file_size(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) fail_io(path, "open");
  if (!S_ISREG(st.st_mode)) fail(Status::io, path + ": not a regular file");
  return static_cast<uint64_t>(st.st_size);
}

class PlainFileSource final : public ByteSource {
 public:
  explicit PlainFileSource(const std::string& path) : ByteSource(path), size_(file_size(path)) {
    file_ = std::fopen(path.c_str(), "rb");
    if (file_ == nullptr) fail_io(path, "open");
  }
  ~PlainFileSource() override { std::fclose(file_); }

  StreamSize size() const override { return {size_, true}; }

 protected:
  size_t do_read(uint8_t* dst, size_t n) override {
    size_t got = std::fread(dst, 1, n, file_);
    if (got < n && std::ferror(file_)) fail_io(name(), "read");
    return got;
  }

 private:
  std::FILE* file_ = nullptr;
  uint64_t size_ = 0;
};

class GzipFileSource final : public ByteSource {
 public:
  explicit GzipFileSource(const std::string& path)
      : ByteSource(path), compressed_size_(file_size(path)) {
    gz_ = gzopen(path.c_str(), "rb");
    if (gz_ == nullptr) fail_io(path, "open");
    gzbuffer(gz_, 1u << 18);  // fewer, larger reads of the compressed file
  }
  ~GzipFileSource() override { gzclose(gz_); }

  StreamSize size() const override {
    uint64_t bound = compressed_size_ > UINT64_MAX / kMaxDeflateRatio
                         ? UINT64_MAX
                         : compressed_size_ * kMaxDeflateRatio;
    return {bound, false};
  }

 protected:
  size_t do_read(uint8_t* dst, size_t n) override {
    unsigned chunk = n > static_cast<size_t>(INT_MAX) ? static_cast<unsigned>(INT_MAX)
                                                      : static_cast<unsigned>(n);
    int got = gzread(gz_, dst, chunk);
    int err = Z_OK;
    const char* message = gzerror(gz_, &err);
    if (got < 0 || (got == 0 && err != Z_OK)) {
      if (err == Z_ERRNO) fail_io(name(), "read");
      if (err == Z_BUF_ERROR) fail(Status::format, name() + ": truncated gzip data");
      fail(Status::format, name() + ": corrupt gzip data (" + message + ")");
    }
    return static_cast<size_t>(got);
  }

 private:
  gzFile gz_ = nullptr;
  uint64_t compressed_size_ = 0;
};

}  // namespace

bool is_gzip_magic(const std::string& prefix) {
  return prefix.size() >= 2 && static_cast<unsigned char>(prefix[0]) == 0x1f &&
         static_cast<unsigned char>(prefix[1]) == 0x8b;
}

std::string read_file_prefix(const std::string& path, size_t n) {
  file_size(path);  // a clear error for folders and missing files
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) fail_io(path, "open");
  std::string prefix(n, '\0');
  size_t got = std::fread(prefix.data(), 1, n, file);
  bool failed = std::ferror(file) != 0;
  std::fclose(file);
  if (failed) fail_io(path, "read");
  prefix.resize(got);
  return prefix;
}

std::unique_ptr<ByteSource> open_file_source(const std::string& path) {
  if (is_gzip_magic(read_file_prefix(path, 2))) return std::make_unique<GzipFileSource>(path);
  return std::make_unique<PlainFileSource>(path);
}

}  // namespace kcell::io
