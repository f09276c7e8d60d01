// minizip I/O over memory: zip archives read from a caller's buffer or written into a
// growing byte vector, through minizip's zlib_filefunc64_def hooks.
#pragma once

#include <minizip/ioapi.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace kcell::io {

// A seekable stream over memory. Reads come from `sink` when it is set, else from
// data / size; writes need `sink` and grow it (writing past the end zero-fills the gap).
struct MemoryZipStream {
  const uint8_t* data = nullptr;
  size_t size = 0;
  std::vector<uint8_t>* sink = nullptr;
  uint64_t position = 0;
  bool out_of_memory = false;  // set when growing the sink failed
};

// Hooks for unzOpen2_64 / zipOpen2_64 that work on `stream`, which must outlive the zip
// handle (closing the handle does not free it). The path given to the open call is ignored.
zlib_filefunc64_def memory_zip_io(MemoryZipStream& stream);

}  // namespace kcell::io
