// Image folders (train/CLASS/*.png, val/..., test/...): what is read, how val is carved from
// train, and the hostile folders refused; writing a dataset as a MedMNIST .npz.
#include <doctest/doctest.h>
#include <png.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "data/dataset.hpp"
#include "data/npz_writer.hpp"
#include "test_data_support.hpp"

using kcell::Status;
using kcell::data::open_dataset;
using kcell::data::OpenOptions;
using kcell::data::SplitId;
using kcell::test::check_error;

namespace {

std::string fresh(const std::string& name) {
  const std::string dir = std::string(KCELL_TEST_TMP_DIR) + "/image_folder_" + name;
  REQUIRE(std::system(("rm -rf '" + dir + "' && mkdir -p '" + dir + "'").c_str()) == 0);
  return dir;
}

void make_dirs(const std::string& path) {
  REQUIRE(std::system(("mkdir -p '" + path + "'").c_str()) == 0);
}

// The pixel (channel c, row y, column x) of image `seed`.
uint8_t pixel(int seed, int c, int y, int x) {
  return static_cast<uint8_t>((31 * seed + 7 * y + 3 * x + 60 * c) % 256);
}

// Writes a channels × height × width PNG (grey or RGB) of pixel(seed, ...) at path.
void write_png(const std::string& path, int seed, int channels = 1, int height = 6, int width = 5) {
  const std::string dir = path.substr(0, path.rfind('/'));
  make_dirs(dir);
  std::vector<uint8_t> interleaved(static_cast<size_t>(channels * height * width));
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      for (int c = 0; c < channels; ++c)
        interleaved[static_cast<size_t>((y * width + x) * channels + c)] = pixel(seed, c, y, x);
  png_image png;
  std::memset(&png, 0, sizeof png);
  png.version = PNG_IMAGE_VERSION;
  png.width = static_cast<png_uint_32>(width);
  png.height = static_cast<png_uint_32>(height);
  png.format = channels == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
  REQUIRE(png_image_write_to_file(&png, path.c_str(), 0, interleaved.data(), 0, nullptr) != 0);
}

// root/split/cls/NN.png for n files of seed base + i.
void write_class(const std::string& root, const std::string& split, const std::string& cls, int n,
                 int base, int channels = 1) {
  for (int i = 0; i < n; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "%02d.png", i);
    write_png(root + "/" + split + "/" + cls + "/" + name, base + i, channels);
  }
}

void check_image(const kcell::data::Dataset& d, SplitId split, size_t index, int seed) {
  const auto& s = d.split(split);
  size_t wrong = 0;
  const uint8_t* image = s.images.data() + index * d.image_bytes();
  for (int c = 0; c < d.channels; ++c)
    for (int y = 0; y < d.height; ++y)
      for (int x = 0; x < d.width; ++x)
        if (image[(c * d.height + y) * d.width + x] != pixel(seed, c, y, x)) ++wrong;
  CHECK_MESSAGE(wrong == 0, "image " << index << " of split " << static_cast<int>(split));
}

}  // namespace

TEST_CASE("an image folder gives sorted class names, labels by class and C×H×W pixels") {
  const std::string root = fresh("rgb");
  write_class(root, "train", "normal", 2, 0, 3);
  write_class(root, "train", "abnormal", 3, 10, 3);
  write_class(root, "val", "normal", 1, 20, 3);
  write_class(root, "test", "abnormal", 1, 30, 3);
  write_class(root, "test", "normal", 2, 40, 3);
  const kcell::data::Dataset d = open_dataset(root, {});
  CHECK(d.channels == 3);
  CHECK(d.height == 6);
  CHECK(d.width == 5);
  CHECK(d.num_classes == 2);
  CHECK(d.class_names == std::vector<std::string>{"abnormal", "normal"});
  REQUIRE(d.split(SplitId::train).count == 5);
  CHECK(d.split(SplitId::train).labels == std::vector<int32_t>{0, 0, 0, 1, 1});
  check_image(d, SplitId::train, 0, 10);
  check_image(d, SplitId::train, 2, 12);
  check_image(d, SplitId::train, 4, 1);
  REQUIRE(d.split(SplitId::val).count == 1);
  CHECK(d.split(SplitId::val).labels == std::vector<int32_t>{1});
  check_image(d, SplitId::val, 0, 20);
  REQUIRE(d.split(SplitId::test).count == 3);
  CHECK(d.split(SplitId::test).labels == std::vector<int32_t>{0, 1, 1});
  check_image(d, SplitId::test, 2, 41);
}

TEST_CASE("without val/, the last val_fraction of each training class in name order is val") {
  const std::string root = fresh("carve");
  write_class(root, "train", "a", 12, 0);
  write_class(root, "train", "b", 4, 100);
  write_class(root, "test", "b", 1, 200);
  OpenOptions options;
  options.val_fraction = 0.25;
  const kcell::data::Dataset d = open_dataset(root, options);
  CHECK(d.class_names == std::vector<std::string>{"a", "b"});
  // a: 12 files, round(3) = 3 to val (09, 10, 11); b: 4 files, round(1) = 1 (03).
  REQUIRE(d.split(SplitId::train).count == 12);
  REQUIRE(d.split(SplitId::val).count == 4);
  CHECK(d.split(SplitId::val).labels == std::vector<int32_t>{0, 0, 0, 1});
  check_image(d, SplitId::val, 0, 9);
  check_image(d, SplitId::val, 2, 11);
  check_image(d, SplitId::val, 3, 103);
  check_image(d, SplitId::train, 8, 8);
  check_image(d, SplitId::train, 9, 100);
  // The same folder always splits the same way.
  const kcell::data::Dataset again = open_dataset(root, options);
  CHECK(again.split(SplitId::val).images == d.split(SplitId::val).images);
  // val_fraction 0: no validation split.
  options.val_fraction = 0;
  CHECK(open_dataset(root, options).split(SplitId::val).count == 0);
}

TEST_CASE("an image whose size differs is refused naming it and the first image") {
  const std::string root = fresh("sizes");
  write_class(root, "train", "a", 2, 0);
  write_png(root + "/train/b/x.png", 5, 1, 7, 5);
  check_error([&] { open_dataset(root, {}); }, Status::format, root + "/train/b/x.png",
              "5×7 pixels", root + "/train/a/00.png", "5×6", "does not resize");
}

TEST_CASE("a grey image among RGB ones is refused naming it") {
  const std::string root = fresh("channels");
  write_class(root, "train", "a", 2, 0, 3);
  write_png(root + "/train/a/zz.png", 5, 1);
  check_error([&] { open_dataset(root, {}); }, Status::format, root + "/train/a/zz.png", "grey",
              "RGB");
}

TEST_CASE("a file that is not a PNG is refused; hidden entries are ignored") {
  const std::string root = fresh("not_png");
  write_class(root, "train", "a", 2, 0);
  kcell::test::write_bytes(root + "/train/a/.DS_Store", {1, 2, 3});
  CHECK(open_dataset(root, {}).split(SplitId::train).count == 2);
  kcell::test::write_bytes(root + "/train/a/notes.txt", {'h', 'i'});
  check_error([&] { open_dataset(root, {}); }, Status::format, root + "/train/a/notes.txt",
              "not a PNG file");
}

TEST_CASE("a truncated PNG is refused naming it") {
  const std::string root = fresh("truncated");
  write_class(root, "train", "a", 3, 0);
  const std::string victim = root + "/train/a/01.png";
  std::vector<uint8_t> bytes = kcell::test::read_bytes(victim);
  bytes.resize(bytes.size() / 2);
  kcell::test::write_bytes(victim, bytes);
  check_error([&] { open_dataset(root, {}); }, Status::format, victim, "truncated");
}

TEST_CASE(
    "an empty class folder, a stray file among class folders and an unknown class are refused") {
  const std::string root = fresh("layout");
  write_class(root, "train", "a", 2, 0);
  make_dirs(root + "/train/empty");
  check_error([&] { open_dataset(root, {}); }, Status::format, root + "/train/empty", "empty");
  REQUIRE(::rmdir((root + "/train/empty").c_str()) == 0);
  write_class(root, "test", "c", 1, 0);
  check_error([&] { open_dataset(root, {}); }, Status::format, root + "/test/c",
              "a class train/ does not have");
  REQUIRE(std::system(("rm -rf '" + root + "/test'").c_str()) == 0);
  kcell::test::write_bytes(root + "/train/readme.txt", {'x'});
  check_error([&] { open_dataset(root, {}); }, Status::format, root + "/train/readme.txt",
              "not a class folder");
}

TEST_CASE("symbolic link loops are refused, links to images are followed") {
  const std::string root = fresh("links");
  write_class(root, "train", "a", 2, 0);
  REQUIRE(::symlink((root + "/train/a/00.png").c_str(), (root + "/train/a/link.png").c_str()) == 0);
  CHECK(open_dataset(root, {}).split(SplitId::train).count == 3);
  REQUIRE(::symlink("loop.png", (root + "/train/a/loop.png").c_str()) == 0);
  check_error([&] { open_dataset(root, {}); }, Status::io, root + "/train/a/loop.png",
              "symbolic link loop");
  REQUIRE(::unlink((root + "/train/a/loop.png").c_str()) == 0);
  // A class folder linking back to its split: its entries are folders, not PNG files.
  REQUIRE(::symlink("..", (root + "/train/up").c_str()) == 0);
  check_error([&] { open_dataset(root, {}); }, Status::format, root + "/train/up/",
              "not a PNG file");
}

TEST_CASE("a folder with more entries than max_files is a limit error before any is read") {
  const std::string root = fresh("many");
  write_class(root, "train", "a", 5, 0);
  write_class(root, "train", "b", 5, 0);
  OpenOptions options;
  options.max_files = 12;  // 2 class folders + 10 files
  CHECK(open_dataset(root, options).split(SplitId::train).count == 10);
  options.max_files = 11;
  check_error([&] { open_dataset(root, options); }, Status::limit, root, "more than 11 entries",
              "max_files");
  options.max_files = 0;
  check_error([&] { open_dataset(root, options); }, Status::invalid_argument, "max_files");
}

TEST_CASE("pixels beyond max_bytes in a split are a limit error") {
  const std::string root = fresh("bytes");
  write_class(root, "train", "a", 4, 0);
  OpenOptions options;
  options.val_fraction = 0;
  options.max_bytes = 4 * 30 - 1;
  check_error([&] { open_dataset(root, options); }, Status::limit, "train", "max_bytes");
}

TEST_CASE("a dataset written as a MedMNIST npz reads back the same, grey and RGB") {
  for (int channels : {1, 3}) {
    const std::string root = fresh("npz" + std::to_string(channels));
    write_class(root, "train", "a", 3, 0, channels);
    write_class(root, "train", "b", 2, 50, channels);
    write_class(root, "test", "b", 2, 70, channels);
    const kcell::data::Dataset d = open_dataset(root, {});
    const std::string out = root + "/out.npz";
    kcell::data::write_medmnist_npz(d, out);
    const kcell::data::Dataset back = open_dataset(out, {});
    CHECK(back.channels == channels);
    CHECK(back.num_classes == 2);
    for (SplitId id : {SplitId::train, SplitId::val, SplitId::test}) {
      CHECK(back.split(id).count == d.split(id).count);
      CHECK(back.split(id).images == d.split(id).images);
      CHECK(back.split(id).labels == d.split(id).labels);
    }
  }
}

TEST_CASE("an unlabelled dataset cannot be written as a MedMNIST npz") {
  kcell::data::Dataset d;
  d.channels = 1;
  d.height = d.width = 2;
  d.split(SplitId::test).count = 1;
  d.split(SplitId::test).images.assign(4, 0);
  d.split(SplitId::test).labels.assign(1, -1);
  check_error([&] { kcell::data::write_medmnist_npz(d, fresh("unlabelled") + "/x.npz"); },
              Status::invalid_argument, "unlabelled");
}

TEST_CASE("a multi-label dataset written as a MedMNIST npz reads back multi-label, (N, L) labels") {
  kcell::data::Dataset d;
  d.channels = 1;
  d.height = d.width = 2;
  d.num_classes = 3;
  d.task = kcell::data::TaskKind::multi_label;
  kcell::data::Split& train = d.split(SplitId::train);
  train.count = 2;
  train.label_width = 3;
  train.images = {1, 2, 3, 4, 5, 6, 7, 8};
  train.labels = {1, 0, 1, 0, 1, 1};
  const std::string out = fresh("npz_multi_label") + "/x.npz";
  kcell::data::write_medmnist_npz(d, out);
  const kcell::data::Dataset back = open_dataset(out, {});
  CHECK(back.multi_label());
  CHECK(back.num_classes == 3);
  CHECK(back.split(SplitId::train).label_width == 3);
  CHECK(back.split(SplitId::train).images == train.images);
  CHECK(back.split(SplitId::train).labels == train.labels);
}
