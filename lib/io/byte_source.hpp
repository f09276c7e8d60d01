// A forward-only stream of bytes (a file, a gzip file, a zip member) that the array
// readers pull from, so .npy and IDX parsing does not care where the bytes live.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace kcell::io {

// What is known about a stream's total length before reading it.
struct StreamSize {
  uint64_t bytes = 0;  // total length, or an upper bound on it
  bool exact = false;  // true: `bytes` is the length; false: only an upper bound
};

class ByteSource {
 public:
  explicit ByteSource(std::string name) : name_(std::move(name)) {}
  virtual ~ByteSource() = default;
  ByteSource(const ByteSource&) = delete;
  ByteSource& operator=(const ByteSource&) = delete;

  // Reads up to n bytes into dst; returns 0 only at the end of the data. Throws
  // kcell::Error on read errors or corrupt compressed data.
  size_t read_some(uint8_t* dst, size_t n) {
    size_t got = do_read(dst, n);
    position_ += got;
    return got;
  }

  // How long the whole stream is (or can at most be), counted from its start.
  virtual StreamSize size() const = 0;

  // Called after the last byte was read; lets a source run its own integrity check
  // (a zip member's CRC, for example). Throws kcell::Error when it fails.
  virtual void finish() {}

  // Bytes read so far.
  uint64_t position() const { return position_; }

  // How errors refer to this stream, e.g. "data.npz: member train_images.npy".
  const std::string& name() const { return name_; }

 protected:
  virtual size_t do_read(uint8_t* dst, size_t n) = 0;

 private:
  std::string name_;
  uint64_t position_ = 0;
};

// Reads exactly n bytes or throws a format error saying the data is truncated;
// `what` names what was being read ("the .npy header", "image data").
void read_exact(ByteSource& source, void* dst, size_t n, const char* what);

// Throws a format error unless the stream has no bytes left, then runs finish().
void expect_end(ByteSource& source, const char* after_what);

// Throws a format error unless `needed` more bytes (after what was read) can be present:
// for an exact size they must match exactly, for an upper bound they must fit.
void check_remaining(const ByteSource& source, uint64_t needed, const std::string& what);

}  // namespace kcell::io
