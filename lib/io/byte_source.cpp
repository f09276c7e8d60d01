#include "io/byte_source.hpp"

#include "common/error.hpp"

namespace kcell::io {

void read_exact(ByteSource& source, void* dst, size_t n, const char* what) {
  auto* out = static_cast<uint8_t*>(dst);
  size_t done = 0;
  while (done < n) {
    size_t got = source.read_some(out + done, n - done);
    if (got == 0) {
      fail(Status::format, source.name() + ": truncated: " + what + " needs " + std::to_string(n) +
                               " bytes but only " + std::to_string(done) + " are present");
    }
    done += got;
  }
}

void expect_end(ByteSource& source, const char* after_what) {
  uint8_t extra = 0;
  if (source.read_some(&extra, 1) != 0) {
    fail(Status::format, source.name() + ": unexpected extra data after " + after_what +
                             " (the header declares less data than is stored)");
  }
  source.finish();
}

void check_remaining(const ByteSource& source, uint64_t needed, const std::string& what) {
  StreamSize size = source.size();
  uint64_t used = source.position();
  uint64_t left = size.bytes >= used ? size.bytes - used : 0;
  if (size.exact && left != needed) {
    fail(Status::format, source.name() + ": " + what + " needs " + std::to_string(needed) +
                             " bytes but " + std::to_string(left) + " are stored");
  }
  if (!size.exact && needed > left) {
    fail(Status::format, source.name() + ": " + what + " needs " + std::to_string(needed) +
                             " bytes but the compressed data can hold at most " +
                             std::to_string(left));
  }
}

}  // namespace kcell::io
