// Read access to the members of a zip archive (a .npz) through minizip.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "data/byte_source.hpp"

namespace kcell::data {

class ZipArchive {
 public:
  // Opens the archive and reads its central directory. Throws an io error if the file
  // cannot be opened, a format error if it is not a readable zip or names a member twice.
  explicit ZipArchive(const std::string& path);
  ~ZipArchive();
  ZipArchive(const ZipArchive&) = delete;
  ZipArchive& operator=(const ZipArchive&) = delete;

  bool has_member(const std::string& name) const { return members_.count(name) != 0; }

  // Opens a member for reading, decompressing stored or deflated data as it is read.
  // Its size() is the uncompressed size the archive declares, checked against what the
  // compressed bytes can hold. Only one member may be open at a time, and the source must
  // not outlive the archive.
  std::unique_ptr<ByteSource> open_member(const std::string& name);

  const std::string& path() const { return path_; }

 private:
  struct MemberPos {
    uint64_t directory_offset;
    uint64_t entry_number;
  };
  std::string path_;
  uint64_t file_size_ = 0;
  void* zip_ = nullptr;  // unzFile
  std::map<std::string, MemberPos> members_;
};

}  // namespace kcell::data
