#include "io/zip_memory_io.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <new>

namespace kcell::io {
namespace {

MemoryZipStream& of(voidpf stream) { return *static_cast<MemoryZipStream*>(stream); }

size_t length(const MemoryZipStream& s) { return s.sink ? s.sink->size() : s.size; }

const uint8_t* bytes(const MemoryZipStream& s) { return s.sink ? s.sink->data() : s.data; }

voidpf ZCALLBACK open_stream(voidpf opaque, const void* /*filename*/, int /*mode*/) {
  return opaque;
}

uLong ZCALLBACK read_stream(voidpf, voidpf stream, void* buf, uLong size) {
  MemoryZipStream& s = of(stream);
  const size_t len = length(s);
  if (s.position >= len) return 0;
  const size_t n = static_cast<size_t>(std::min<uint64_t>(size, len - s.position));
  std::memcpy(buf, bytes(s) + s.position, n);
  s.position += n;
  return n;
}

uLong ZCALLBACK write_stream(voidpf, voidpf stream, const void* buf, uLong size) {
  MemoryZipStream& s = of(stream);
  if (s.sink == nullptr) return 0;
  try {
    const uint64_t end = s.position + size;
    if (end > s.sink->size()) s.sink->resize(static_cast<size_t>(end));
  } catch (const std::bad_alloc&) {
    s.out_of_memory = true;
    return 0;  // minizip reports a write error, which the writer turns into an exception
  }
  if (size) std::memcpy(s.sink->data() + s.position, buf, size);
  s.position += size;
  return size;
}

ZPOS64_T ZCALLBACK tell_stream(voidpf, voidpf stream) { return of(stream).position; }

long ZCALLBACK seek_stream(voidpf, voidpf stream, ZPOS64_T offset, int origin) {
  MemoryZipStream& s = of(stream);
  uint64_t base = 0;
  switch (origin) {
    case ZLIB_FILEFUNC_SEEK_SET:
      base = 0;
      break;
    case ZLIB_FILEFUNC_SEEK_CUR:
      base = s.position;
      break;
    case ZLIB_FILEFUNC_SEEK_END:
      base = length(s);
      break;
    default:
      return -1;
  }
  if (offset > UINT64_MAX - base) return -1;
  const uint64_t target = base + offset;
  // A read-only stream cannot move past its end; a sink grows when written there.
  if (s.sink == nullptr && target > s.size) return -1;
  s.position = target;
  return 0;
}

int ZCALLBACK close_stream(voidpf, voidpf) { return 0; }

int ZCALLBACK error_stream(voidpf, voidpf) { return 0; }

}  // namespace

zlib_filefunc64_def memory_zip_io(MemoryZipStream& stream) {
  zlib_filefunc64_def def{};
  def.zopen64_file = open_stream;
  def.zread_file = read_stream;
  def.zwrite_file = write_stream;
  def.ztell64_file = tell_stream;
  def.zseek64_file = seek_stream;
  def.zclose_file = close_stream;
  def.zerror_file = error_stream;
  def.opaque = &stream;
  return def;
}

}  // namespace kcell::io
