// Read access to the members of a zip archive (a .npz, a model file) through minizip, from
// a file or from memory.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "io/byte_source.hpp"

namespace kcell::io {

struct MemoryZipStream;

class ZipArchive {
 public:
  // Opens the archive and reads its central directory. Throws an io error if the file
  // cannot be opened, a format error if it is not a readable zip or names a member twice.
  explicit ZipArchive(const std::string& path);
  // The same over `size` bytes at `data`, which must stay alive and unchanged while the
  // archive is open. `name` stands for the path in messages (e.g. "<memory buffer>").
  ZipArchive(const void* data, size_t size, std::string name);
  ~ZipArchive();
  ZipArchive(const ZipArchive&) = delete;
  ZipArchive& operator=(const ZipArchive&) = delete;

  bool has_member(const std::string& name) const { return members_.count(name) != 0; }
  // Every member's name, in sorted order.
  std::vector<std::string> member_names() const;

  // Opens a member for reading, decompressing stored or deflated data as it is read.
  // Its size() is the uncompressed size the archive declares, checked against what the
  // compressed bytes can hold. Only one member may be open at a time, and the source must
  // not outlive the archive.
  std::unique_ptr<ByteSource> open_member(const std::string& name);

  const std::string& path() const { return path_; }
  // "<path>: member <name>", as the sources open_member() returns name themselves.
  std::string member_label(const std::string& name) const;

  // Bytes in the whole archive (the file or the buffer).
  uint64_t size_bytes() const { return file_size_; }

 private:
  void read_directory();
  bool has_end_record_at(uint64_t offset) const;

  struct MemberPos {
    uint64_t directory_offset;
    uint64_t entry_number;
  };
  std::string path_;
  uint64_t file_size_ = 0;
  void* zip_ = nullptr;  // unzFile
  std::map<std::string, MemberPos> members_;
  std::unique_ptr<MemoryZipStream> memory_;  // the stream of a memory archive, else null
};

}  // namespace kcell::io
