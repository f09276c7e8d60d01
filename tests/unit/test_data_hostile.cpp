// Hostile files made at run time, for the cases the committed fixtures do not cover: zip
// bombs (also as a member of an ensemble file), labels too large for a given class count in a wide
// dtype, a truncated gzip .npy, IDX files with a wrong magic number or a count that the data does
// not hold. Each must be refused with a format error whose message names the file and the problem,
// before any large allocation. (docs/reliability.md lists every hostile-input test.)
#include <doctest/doctest.h>
#include <minizip/zip.h>
#include <sys/stat.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "model/ensemble_file.hpp"
#include "test_data_support.hpp"

using kcell::Status;
using kcell::test::check_error;
using kcell::test::data_fixture;
using kcell::test::read_bytes;
using kcell::test::write_bytes;

namespace {

std::string tmp_path(const std::string& name) {
  return std::string(KCELL_TEST_TMP_DIR) + "/hostile_" + name;
}

// A version 1.0 .npy header for `descr` and `shape` (e.g. "(12, 6, 5)"), padded as numpy does.
std::vector<uint8_t> npy_header(const std::string& descr, const std::string& shape) {
  std::string dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  while ((10 + dict.size() + 1) % 64 != 0) dict += ' ';
  dict += '\n';
  const std::string file = std::string("\x93NUMPY\x01\x00", 8) +
                           static_cast<char>(dict.size() & 0xff) +
                           static_cast<char>(dict.size() >> 8) + dict;
  return std::vector<uint8_t>(file.begin(), file.end());
}

std::vector<uint8_t> npy(const std::string& descr, const std::string& shape, size_t payload_bytes,
                         uint8_t fill = 7) {
  std::vector<uint8_t> out = npy_header(descr, shape);
  out.insert(out.end(), payload_bytes, fill);
  return out;
}

using NamedBytes = std::vector<std::pair<std::string, std::vector<uint8_t>>>;

// A zip of these members, each deflated, in the test's scratch folder.
std::string write_zip(const std::string& name, const NamedBytes& members) {
  const std::string path = tmp_path(name);
  zipFile zip = zipOpen64(path.c_str(), APPEND_STATUS_CREATE);
  REQUIRE(zip != nullptr);
  for (const auto& m : members) {
    zip_fileinfo info{};
    REQUIRE(zipOpenNewFileInZip64(zip, m.first.c_str(), &info, nullptr, 0, nullptr, 0, nullptr,
                                  Z_DEFLATED, 9, 0) == ZIP_OK);
    REQUIRE(zipWriteInFileInZip(zip, m.second.data(), static_cast<unsigned>(m.second.size())) ==
            ZIP_OK);
    REQUIRE(zipCloseFileInZip(zip) == ZIP_OK);
  }
  REQUIRE(zipClose(zip, nullptr) == ZIP_OK);
  return path;
}

// A MedMNIST-style .npz (6 members, 6x5 images, 2 images per split), every member
// deflated, with `replace` overriding members by name.
std::string write_npz(const std::string& name, const NamedBytes& replace) {
  NamedBytes members;
  for (const char* split : {"train", "val", "test"}) {
    members.emplace_back(std::string(split) + "_images.npy", npy("|u1", "(2, 6, 5)", 60));
    std::vector<uint8_t> labels = npy_header("|u1", "(2, 1)");
    labels.push_back(0);
    labels.push_back(1);
    members.emplace_back(std::string(split) + "_labels.npy", labels);
  }
  for (const auto& r : replace)
    for (auto& m : members)
      if (m.first == r.first) m.second = r.second;
  return write_zip(name, members);
}

uint32_t read_le32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

void write_le32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

// Sets the uncompressed size that the local header and the central directory declare for
// `member` (a zip64-free archive).
void declare_uncompressed_size(const std::string& path, const std::string& member, uint32_t size) {
  std::vector<uint8_t> zip = read_bytes(path);
  int patched = 0;
  for (size_t i = 0; i + 46 < zip.size(); ++i) {
    const uint32_t signature = read_le32(&zip[i]);
    if (signature == 0x04034b50) {  // local header: name at 30, size at 22
      const size_t name_length = zip[i + 26] | zip[i + 27] << 8;
      if (std::string(zip.begin() + i + 30, zip.begin() + i + 30 + name_length) == member) {
        write_le32(&zip[i + 22], size);
        ++patched;
      }
    } else if (signature == 0x02014b50) {  // central directory: name at 46, size at 24
      const size_t name_length = zip[i + 28] | zip[i + 29] << 8;
      if (std::string(zip.begin() + i + 46, zip.begin() + i + 46 + name_length) == member) {
        write_le32(&zip[i + 24], size);
        ++patched;
      }
    }
  }
  REQUIRE(patched == 2);
  write_bytes(path, zip);
}

// A copy of the plain IDX fixture folder, to damage.
std::string copy_idx_folder(const std::string& name) {
  const std::string dir = tmp_path(name);
  REQUIRE(std::system(("rm -rf '" + dir + "' && mkdir -p '" + dir + "'").c_str()) == 0);
  for (const char* file : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                           "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"})
    write_bytes(dir + "/" + file, read_bytes(data_fixture(std::string("idx_plain/") + file)));
  return dir;
}

}  // namespace

TEST_CASE("a zip bomb member inflating far past its npy header's size is refused unread") {
  // 8 MiB of zeros deflate to about 8 kB; the header declares 60 bytes of images.
  std::vector<uint8_t> bomb = npy("|u1", "(2, 6, 5)", 8u << 20, 0);
  const std::string path = write_npz("bomb.npz", {{"train_images.npy", bomb}});
  CHECK(read_bytes(path).size() < 64 * 1024);
  check_error([&] { kcell::data::open_dataset(path, {}); }, Status::format, "train_images.npy",
              "needs 60 bytes but " + std::to_string((8u << 20)) + " are stored");
}

TEST_CASE("a zip member declaring an absurd inflation ratio is refused before inflating") {
  const std::string path = write_npz("ratio.npz", {});
  declare_uncompressed_size(path, "val_images.npy", 0xF0000000u);
  check_error([&] { kcell::data::open_dataset(path, {}); }, Status::format, "val_images.npy",
              "4026531840 bytes", "compressed bytes can hold");
}

TEST_CASE("an ensemble member declaring more bytes than any model file holds is refused unread") {
  // 1.25 MiB of noise deflates to about as much, so the zip reader's inflation limit
  // (1032:1) lets the member declare up to 1.26 GiB; it declares 1000 MiB, more than the
  // 640 MiB the largest model file can hold. Read as declared, it would be allocated first.
  std::vector<uint8_t> noise(1280u << 10);
  uint32_t state = 12345;
  for (uint8_t& b : noise) {
    state = state * 1103515245u + 12345u;
    b = static_cast<uint8_t>(state >> 24);
  }
  const std::string manifest =
      R"({"format": "kcell-ensemble", "format_version": 2, "kcell_version": "0.1.0",)"
      R"( "combine": "mean_probability", "members": ["members/0.kcell"]})";
  const std::string path =
      write_zip("huge_member.kcell",
                {{"kcell.json", {manifest.begin(), manifest.end()}}, {"members/0.kcell", noise}});
  declare_uncompressed_size(path, "members/0.kcell", 1000u << 20);
  check_error([&] { kcell::model::load_models(path); }, Status::format,
              "huge_member.kcell: member members/0.kcell", "declares 1048576000 bytes",
              "more than a model file can plausibly need");
}

TEST_CASE("labels beyond 255 in a wide dtype are refused above a given class count") {
  std::vector<uint8_t> labels = npy_header("<u2", "(2,)");
  for (uint8_t b : {uint8_t{1}, uint8_t{0}, uint8_t{0x2c}, uint8_t{0x01}}) labels.push_back(b);
  const std::string path = write_npz("wide_labels.npz", {{"test_labels.npy", labels}});
  kcell::data::OpenOptions options;
  options.num_classes = 8;
  check_error([&] { kcell::data::open_dataset(path, options); }, Status::format, "test_labels.npy",
              "label 300");
  // Without a class count, 300 is a class index like any other (up to 65535).
  CHECK(kcell::data::open_dataset(path, {}).num_classes == 301);
}

TEST_CASE("a truncated gzip npy is refused as truncated") {
  const std::vector<uint8_t> gz = read_bytes(data_fixture("stack_v1.npy.gz"));
  const std::string path = tmp_path("cut.npy.gz");
  write_bytes(path, std::vector<uint8_t>(gz.begin(), gz.end() - 30));
  check_error([&] { kcell::data::open_dataset(path, {}); }, Status::format, "cut.npy.gz",
              "truncated");
}

TEST_CASE("an IDX file with a wrong magic number in a folder is refused naming it") {
  const std::string dir = copy_idx_folder("idx_bad_magic");
  std::vector<uint8_t> images = read_bytes(dir + "/t10k-images-idx3-ubyte");
  images[0] = 0x1f;  // IDX files start with two zero bytes
  write_bytes(dir + "/t10k-images-idx3-ubyte", images);
  check_error([&] { kcell::data::open_dataset(dir, {}); }, Status::format, "t10k-images-idx3-ubyte",
              "bad magic");
}

TEST_CASE("an IDX count larger than the data present is refused before reading") {
  const std::string dir = copy_idx_folder("idx_big_count");
  std::vector<uint8_t> images = read_bytes(dir + "/train-images-idx3-ubyte");
  images[4] = 0x00;  // the image count, big-endian: 24 becomes 0x00FF0018
  images[5] = 0xFF;
  write_bytes(dir + "/train-images-idx3-ubyte", images);
  check_error([&] { kcell::data::open_dataset(dir, {}); }, Status::format,
              "train-images-idx3-ubyte", "16711704 x 6 x 5", "bytes but");
}

TEST_CASE("an IDX count smaller than the data present is refused at the extra data") {
  const std::string dir = copy_idx_folder("idx_small_count");
  for (const char* file : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte"}) {
    std::vector<uint8_t> bytes = read_bytes(dir + "/" + file);
    bytes[7] = static_cast<uint8_t>(bytes[7] - 1);  // one image (and label) fewer declared
    write_bytes(dir + "/" + file, bytes);
  }
  check_error([&] { kcell::data::open_dataset(dir, {}); }, Status::format,
              "train-images-idx3-ubyte", "needs");
}
