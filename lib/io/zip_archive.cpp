#include "io/zip_archive.hpp"

#include <minizip/unzip.h>
#include <sys/stat.h>
#include <zlib.h>

#include <climits>
#include <cstring>
#include <fstream>
#include <vector>

#include "common/error.hpp"
#include "io/printable.hpp"
#include "io/zip_memory_io.hpp"

namespace kcell::io {
namespace {

// Deflate cannot expand data by more than about 1032:1; a larger declared size is a lie.
constexpr uint64_t kMaxDeflateRatio = 1032;
constexpr unsigned long kMethodStored = 0;
constexpr unsigned long kFlagEncrypted = 1;
constexpr uint64_t kEndRecordSize = 22;  // the end-of-central-directory record, no comment
constexpr char kEndRecordSignature[4] = {'P', 'K', 5, 6};

std::string label_of(const std::string& path, const std::string& member) {
  return path + ": member " + printable(member);
}

class ZipMemberSource final : public ByteSource {
 public:
  ZipMemberSource(unzFile zip, std::string name, uint64_t size)
      : ByteSource(std::move(name)), zip_(zip), size_(size) {}
  ~ZipMemberSource() override {
    if (open_) unzCloseCurrentFile(zip_);
  }

  StreamSize size() const override { return {size_, true}; }

  void finish() override {
    if (!open_) return;
    open_ = false;
    int rc = unzCloseCurrentFile(zip_);
    if (rc == UNZ_CRCERROR) fail(Status::format, name() + ": CRC mismatch (corrupt data)");
    if (rc != UNZ_OK)
      fail(Status::format, name() + ": cannot close (minizip error " + std::to_string(rc) + ")");
  }

 protected:
  size_t do_read(uint8_t* dst, size_t n) override {
    if (!open_) return 0;
    unsigned chunk = n > static_cast<size_t>(INT_MAX) ? static_cast<unsigned>(INT_MAX)
                                                      : static_cast<unsigned>(n);
    int got = unzReadCurrentFile(zip_, dst, chunk);
    if (got == UNZ_ERRNO) {
      // The archive was readable when opened, so a failed read almost always means the
      // member's offsets or sizes point past the end of the file.
      fail(Status::format,
           name() + ": cannot read the member's data (truncated or corrupt archive)");
    }
    if (got < 0) {
      fail(Status::format, name() + ": corrupt or truncated compressed data (zlib error " +
                               std::to_string(got) + ")");
    }
    return static_cast<size_t>(got);
  }

 private:
  unzFile zip_;
  uint64_t size_;
  bool open_ = true;
};

}  // namespace

ZipArchive::ZipArchive(const std::string& path) : path_(path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    fail(Status::io, path + ": cannot open");
  file_size_ = static_cast<uint64_t>(st.st_size);
  zip_ = unzOpen64(path.c_str());
  read_directory();
}

ZipArchive::ZipArchive(const void* data, size_t size, std::string name)
    : path_(std::move(name)), file_size_(size), memory_(std::make_unique<MemoryZipStream>()) {
  memory_->data = static_cast<const uint8_t*>(data);
  memory_->size = size;
  zlib_filefunc64_def io = memory_zip_io(*memory_);
  zip_ = unzOpen2_64(path_.c_str(), &io);
  read_directory();
}

void ZipArchive::read_directory() {
  const std::string& path = path_;
  if (zip_ == nullptr)
    fail(Status::format,
         path + ": not a readable zip archive (no valid central directory; truncated or corrupt?)");

  // minizip reads the end record's last fields as zeros when the file stops short of them
  // (its end-of-file status equals UNZ_OK), so check that the record is whole: it starts
  // exactly its 22 bytes and the archive comment before the end.
  unz_global_info64 global{};
  if (unzGetGlobalInfo64(zip_, &global) != UNZ_OK ||
      file_size_ < kEndRecordSize + global.size_comment ||
      !has_end_record_at(file_size_ - kEndRecordSize - global.size_comment)) {
    unzClose(zip_);
    fail(Status::format,
         path + ": truncated zip archive (its end-of-directory record is incomplete)");
  }

  std::vector<char> name(UINT16_MAX + 1);
  int rc = unzGoToFirstFile(zip_);
  while (rc == UNZ_OK) {
    unz_file_info64 info{};
    rc = unzGetCurrentFileInfo64(zip_, &info, name.data(), name.size(), nullptr, 0, nullptr, 0);
    if (rc != UNZ_OK) break;
    unz64_file_pos pos{};
    rc = unzGetFilePos64(zip_, &pos);
    if (rc != UNZ_OK) break;
    std::string member(name.data());
    if (!members_.emplace(member, MemberPos{pos.pos_in_zip_directory, pos.num_of_file}).second) {
      unzClose(zip_);
      fail(Status::format, label_of(path, member) + " appears twice in the archive");
    }
    rc = unzGoToNextFile(zip_);
  }
  if (rc != UNZ_END_OF_LIST_OF_FILE) {
    unzClose(zip_);
    fail(Status::format,
         path + ": corrupt zip central directory (minizip error " + std::to_string(rc) + ")");
  }
}

ZipArchive::~ZipArchive() { unzClose(zip_); }

bool ZipArchive::has_end_record_at(uint64_t offset) const {
  char signature[4] = {0, 0, 0, 0};
  if (memory_) {
    if (offset + sizeof signature > memory_->size) return false;
    std::memcpy(signature, memory_->data + offset, sizeof signature);
  } else {
    std::ifstream file(path_, std::ios::binary);
    file.seekg(static_cast<std::streamoff>(offset));
    if (!file.read(signature, sizeof signature)) return false;
  }
  return std::memcmp(signature, kEndRecordSignature, sizeof signature) == 0;
}

std::vector<std::string> ZipArchive::member_names() const {
  std::vector<std::string> names;
  for (const auto& member : members_) names.push_back(member.first);
  return names;
}

std::string ZipArchive::member_label(const std::string& name) const {
  return kcell::io::label_of(path_, name);
}

std::unique_ptr<ByteSource> ZipArchive::open_member(const std::string& name) {
  auto found = members_.find(name);
  std::string label = label_of(path_, name);
  if (found == members_.end()) fail(Status::format, label + " is missing");

  unz64_file_pos pos{found->second.directory_offset, found->second.entry_number};
  unz_file_info64 info{};
  if (unzGoToFilePos64(zip_, &pos) != UNZ_OK ||
      unzGetCurrentFileInfo64(zip_, &info, nullptr, 0, nullptr, 0, nullptr, 0) != UNZ_OK)
    fail(Status::format, label + ": corrupt directory entry");

  if (info.flag & kFlagEncrypted) fail(Status::format, label + " is encrypted");
  if (info.compression_method != kMethodStored && info.compression_method != Z_DEFLATED) {
    fail(Status::format, label + " uses compression method " +
                             std::to_string(info.compression_method) +
                             "; only stored (0) and deflated (8) members are supported");
  }
  if (info.compressed_size > file_size_) {
    fail(Status::format, label + ": truncated archive: the member declares " +
                             std::to_string(info.compressed_size) +
                             " compressed bytes but the file has " + std::to_string(file_size_));
  }
  if (info.compression_method == kMethodStored && info.compressed_size != info.uncompressed_size) {
    fail(Status::format, label + ": stored member with different compressed (" +
                             std::to_string(info.compressed_size) + ") and uncompressed (" +
                             std::to_string(info.uncompressed_size) + ") sizes");
  }
  if (info.compression_method == Z_DEFLATED &&
      info.uncompressed_size / kMaxDeflateRatio > info.compressed_size) {
    fail(Status::format, label + " declares " + std::to_string(info.uncompressed_size) +
                             " bytes, more than its " + std::to_string(info.compressed_size) +
                             " compressed bytes can hold");
  }
  int rc = unzOpenCurrentFile(zip_);
  if (rc != UNZ_OK) {
    fail(Status::format,
         label + ": cannot open (corrupt local header, minizip error " + std::to_string(rc) + ")");
  }
  return std::make_unique<ZipMemberSource>(zip_, label, info.uncompressed_size);
}

}  // namespace kcell::io
