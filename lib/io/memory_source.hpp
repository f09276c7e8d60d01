// A byte source over memory the caller keeps alive (tests, and arrays held in buffers).
#pragma once

#include <algorithm>
#include <cstring>

#include "io/byte_source.hpp"

namespace kcell::io {

class MemorySource final : public ByteSource {
 public:
  MemorySource(const void* data, size_t size, std::string name)
      : ByteSource(std::move(name)), data_(static_cast<const uint8_t*>(data)), size_(size) {}

  StreamSize size() const override { return {size_, true}; }

 protected:
  size_t do_read(uint8_t* dst, size_t n) override {
    size_t got = std::min(n, size_ - offset_);
    if (got) std::memcpy(dst, data_ + offset_, got);
    offset_ += got;
    return got;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t offset_ = 0;
};

}  // namespace kcell::io
