// Byte sources over files on disk: plain files, and gzip files decompressed on the fly.
#pragma once

#include <memory>
#include <string>

#include "io/byte_source.hpp"

namespace kcell::io {

// Opens `path` for reading; a gzip file (detected by its magic bytes, not its name) is
// decompressed as it is read. Throws an io error when the file cannot be opened.
std::unique_ptr<ByteSource> open_file_source(const std::string& path);

// Reads the first up to n bytes of a file (fewer if it is shorter). Throws an io error
// when the file cannot be opened or read.
std::string read_file_prefix(const std::string& path, size_t n);

// True when the bytes start with the gzip magic number.
bool is_gzip_magic(const std::string& prefix);

}  // namespace kcell::io
