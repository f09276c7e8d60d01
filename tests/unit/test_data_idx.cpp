// IDX (MNIST-style) folders and files, plain and gzip.
#include <doctest/doctest.h>

#include "test_data_support.hpp"

using kcell::Status;
using kcell::data::Dataset;
using kcell::data::OpenOptions;
using kcell::data::SplitId;
using namespace kcell::test;

namespace {

// The idx fixture folders hold 24 train and 6 test images written with the pixel formula
// (train images as split 0, test images as split 2).
void check_idx_dataset(const Dataset& d, size_t train, size_t val) {
  CHECK(d.channels == 1);
  CHECK(d.height == kFixtureHeight);
  CHECK(d.width == kFixtureWidth);
  CHECK(d.num_classes == 3);
  REQUIRE(d.split(SplitId::train).count == train);
  REQUIRE(d.split(SplitId::val).count == val);
  check_split_matches_formula(d, SplitId::test, 2, 6);
  // Train then val are the first and last images of the training file, in order.
  const size_t bytes = d.image_bytes();
  for (size_t n = 0; n < train + val; ++n) {
    const auto& split = d.split(n < train ? SplitId::train : SplitId::val);
    size_t i = n < train ? n : n - train;
    CHECK(split.labels[i] == fixture_label(0, static_cast<int>(n)));
    CHECK(split.images[i * bytes + 7] == fixture_pixel(0, static_cast<int>(n), 1, 2, 0));
  }
}

}  // namespace

TEST_CASE("an IDX folder of plain files opens with val carved from the end of train") {
  check_idx_dataset(open_fixture("idx_plain"), 22, 2);  // 24 / 12 = 2 validation images
}

TEST_CASE("an IDX folder of .gz files opens the same as the plain one") {
  check_idx_dataset(open_fixture("idx_gz"), 22, 2);
}

TEST_CASE("the validation fraction of an IDX folder is the caller's") {
  OpenOptions options;
  options.val_fraction = 0.25;
  check_idx_dataset(open_fixture("idx_gz", options), 18, 6);
  options.val_fraction = 0.0;
  check_idx_dataset(open_fixture("idx_plain", options), 24, 0);
}

TEST_CASE("a single IDX image file opens as an unlabelled test split") {
  Dataset d = open_fixture("idx_plain/t10k-images-idx3-ubyte");
  CHECK(d.num_classes == 0);
  check_split_matches_formula(d, SplitId::test, 2, 6, /*labelled=*/false);
}

TEST_CASE("an IDX folder whose label count differs from its image count is rejected") {
  check_error([] { open_fixture("idx_count_mismatch"); }, Status::format, "train-labels-idx1-ubyte",
              "23 labels for 24 images");
}

TEST_CASE("an IDX file of a type other than unsigned bytes is rejected") {
  check_error([] { open_fixture("float_images.idx"); }, Status::format, "float_images.idx", "0x0d",
              "unsigned bytes");
}

TEST_CASE("a truncated gzip IDX file is rejected") {
  check_error([] { open_fixture("truncated_idx.gz"); }, Status::format, "truncated_idx.gz",
              "truncated");
}

TEST_CASE("a folder without IDX files is rejected naming the missing file") {
  check_error([] { open_fixture("."); }, Status::format, "train-images-idx3-ubyte(.gz) is missing");
}

TEST_CASE("an IDX header declaring more than max_bytes is a limit error") {
  OpenOptions options;
  options.max_bytes = 100;
  check_error([&] { open_fixture("idx_plain", options); }, Status::limit, "train-images-idx3-ubyte",
              "max_bytes");
}

TEST_CASE("an IDX label file opened alone is rejected pointing to its folder") {
  check_error([] { open_fixture("idx_gz/t10k-labels-idx1-ubyte.gz"); }, Status::format,
              "t10k-labels-idx1-ubyte.gz", "1 dimension(s)", "through their folder");
}
