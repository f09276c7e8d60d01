// Builds a zip archive in memory through minizip: members are stored uncompressed (as
// numpy.savez does), each with its CRC, under a fixed timestamp so that the same content
// always gives the same bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace kcell::io {

class ZipWriter {
 public:
  ZipWriter();
  ~ZipWriter();
  ZipWriter(const ZipWriter&) = delete;
  ZipWriter& operator=(const ZipWriter&) = delete;

  // Appends a member. Throws Status::internal if minizip fails (or out_of_memory).
  void add(const std::string& name, const void* data, size_t size);

  // Writes the central directory and returns the archive; the writer is done after this.
  std::vector<uint8_t> finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace kcell::io
