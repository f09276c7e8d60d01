#include "io/zip_writer.hpp"

#include <minizip/zip.h>

#include <algorithm>
#include <climits>
#include <new>

#include "common/error.hpp"
#include "io/zip_memory_io.hpp"

namespace kcell::io {

struct ZipWriter::State {
  std::vector<uint8_t> bytes;
  io::MemoryZipStream stream;
  zipFile zip = nullptr;
};

namespace {

// minizip reports a failed memory write like any other error; the stream knows which.
[[noreturn]] void zip_failed(const io::MemoryZipStream& stream, const std::string& what, int rc) {
  if (stream.out_of_memory) fail(Status::out_of_memory, "out of memory writing the model archive");
  fail(Status::internal,
       "writing the model archive: " + what + " failed (minizip error " + std::to_string(rc) + ")");
}

}  // namespace

ZipWriter::ZipWriter() : state_(std::make_unique<State>()) {
  state_->stream.sink = &state_->bytes;
  zlib_filefunc64_def io = io::memory_zip_io(state_->stream);
  state_->zip = zipOpen2_64("<memory>", APPEND_STATUS_CREATE, nullptr, &io);
  if (state_->zip == nullptr) zip_failed(state_->stream, "opening the archive", 0);
}

ZipWriter::~ZipWriter() {
  if (state_->zip) zipClose(state_->zip, nullptr);
}

void ZipWriter::add(const std::string& name, const void* data, size_t size) {
  if (state_->zip == nullptr) fail(Status::internal, "ZipWriter::add after finish");
  zip_fileinfo info{};
  info.tmz_date.tm_year = 1980;  // the earliest date a zip can hold: fixed, reproducible
  info.tmz_date.tm_mday = 1;
  const int zip64 = size >= 0xffffffffu ? 1 : 0;
  int rc = zipOpenNewFileInZip3_64(state_->zip, name.c_str(), &info, nullptr, 0, nullptr, 0,
                                   nullptr, 0 /* stored */, 0, 0, -MAX_WBITS, DEF_MEM_LEVEL,
                                   Z_DEFAULT_STRATEGY, nullptr, 0, zip64);
  if (rc != ZIP_OK) zip_failed(state_->stream, "adding member " + name, rc);
  const uint8_t* p = static_cast<const uint8_t*>(data);
  size_t left = size;
  while (left > 0) {
    const unsigned chunk = static_cast<unsigned>(std::min<size_t>(left, 1u << 30));
    rc = zipWriteInFileInZip(state_->zip, p, chunk);
    if (rc != ZIP_OK) zip_failed(state_->stream, "writing member " + name, rc);
    p += chunk;
    left -= chunk;
  }
  rc = zipCloseFileInZip(state_->zip);
  if (rc != ZIP_OK) zip_failed(state_->stream, "closing member " + name, rc);
}

std::vector<uint8_t> ZipWriter::finish() {
  if (state_->zip == nullptr) fail(Status::internal, "ZipWriter::finish called twice");
  const int rc = zipClose(state_->zip, nullptr);
  state_->zip = nullptr;
  if (rc != ZIP_OK) zip_failed(state_->stream, "writing the central directory", rc);
  return std::move(state_->bytes);
}

}  // namespace kcell::io
