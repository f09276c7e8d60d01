#include "data/idx_folder.hpp"

#include <sys/stat.h>

#include <cmath>

#include "common/error.hpp"
#include "data/bulk_buffer.hpp"
#include "data/dataset_build.hpp"
#include "data/idx_reader.hpp"
#include "io/file_source.hpp"

namespace kcell::data {
namespace {

bool is_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// The path of `name` or `name.gz` inside folder.
std::string find_member(const std::string& folder, const std::string& name) {
  std::string plain = folder + "/" + name;
  if (is_file(plain) && is_file(plain + ".gz"))
    fail(Status::format, folder + ": holds both " + name + " and " + name +
                             ".gz; it is ambiguous which to read (keep one)");
  if (is_file(plain)) return plain;
  if (is_file(plain + ".gz")) return plain + ".gz";
  fail(Status::format, folder + ": not an IDX dataset folder: " + name +
                           "(.gz) is missing (nor an image folder: no train/, val/ or test/)");
}

struct IdxPair {
  std::unique_ptr<io::ByteSource> images, labels;
  uint64_t count = 0;
  int height = 0, width = 0;
};

// Opens an images file and its labels file and checks their headers agree.
IdxPair open_pair(const std::string& folder, const std::string& prefix, uint64_t max_bytes) {
  IdxPair pair;
  pair.images = io::open_file_source(find_member(folder, prefix + "-images-idx3-ubyte"));
  pair.labels = io::open_file_source(find_member(folder, prefix + "-labels-idx1-ubyte"));
  IdxHeader images = read_idx_header(*pair.images, 3, max_bytes);
  idx_image_size(images, pair.images->name(), &pair.height, &pair.width);
  IdxHeader labels = read_idx_header(*pair.labels, 1, max_bytes);
  if (labels.dims[0] != images.dims[0]) {
    fail(Status::format, pair.labels->name() + ": " + std::to_string(labels.dims[0]) +
                             " labels for " + std::to_string(images.dims[0]) + " images in " +
                             pair.images->name());
  }
  pair.count = images.dims[0];
  return pair;
}

// Reads the next `count` images and labels of `pair` into `split`.
void read_split(IdxPair& pair, size_t count, size_t image_bytes, Split& split) {
  resize_for_bulk_write(split.images, count * image_bytes);
  io::read_exact(*pair.images, split.images.data(), split.images.size(), "image data");
  std::vector<uint8_t> raw(count);
  io::read_exact(*pair.labels, raw.data(), raw.size(), "label data");
  split.labels.assign(raw.begin(), raw.end());
  split.count = count;
}

void expect_pair_end(IdxPair& pair) {
  io::expect_end(*pair.images, "the image data");
  io::expect_end(*pair.labels, "the label data");
}

}  // namespace

Dataset read_idx_folder(const std::string& folder, const OpenOptions& options) {
  IdxPair train = open_pair(folder, "train", options.max_bytes);
  IdxPair test = open_pair(folder, "t10k", options.max_bytes);
  if (test.height != train.height || test.width != train.width) {
    fail(Status::format, test.images->name() + ": images of " + std::to_string(test.height) + "x" +
                             std::to_string(test.width) + " do not match the " +
                             std::to_string(train.height) + "x" + std::to_string(train.width) +
                             " training images");
  }
  Dataset dataset;
  dataset.channels = 1;
  dataset.height = train.height;
  dataset.width = train.width;
  const size_t image_bytes = dataset.image_bytes();

  // The validation images are the tail of the training file, read straight into place.
  const size_t total = static_cast<size_t>(train.count);
  const size_t val_count =
      static_cast<size_t>(std::llround(static_cast<double>(total) * options.val_fraction));
  read_split(train, total - val_count, image_bytes, dataset.split(SplitId::train));
  read_split(train, val_count, image_bytes, dataset.split(SplitId::val));
  expect_pair_end(train);
  read_split(test, static_cast<size_t>(test.count), image_bytes, dataset.split(SplitId::test));
  expect_pair_end(test);

  settle_class_count(dataset, options.num_classes,
                     {train.labels->name(), train.labels->name(), test.labels->name()});
  return dataset;
}

Dataset read_idx_image_file(const std::string& path, const OpenOptions& options) {
  auto source = io::open_file_source(path);
  IdxHeader header = read_idx_header(*source, 3, options.max_bytes);
  Dataset dataset;
  dataset.channels = 1;
  idx_image_size(header, source->name(), &dataset.height, &dataset.width);
  Split& test = dataset.split(SplitId::test);
  test.count = static_cast<size_t>(header.dims[0]);
  resize_for_bulk_write(test.images, static_cast<size_t>(header.payload_bytes));
  io::read_exact(*source, test.images.data(), test.images.size(), "image data");
  io::expect_end(*source, "the image data");
  test.labels.assign(test.count, -1);
  dataset.num_classes = 0;
  return dataset;
}

}  // namespace kcell::data
