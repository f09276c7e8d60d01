// Reading MedMNIST .npz files: layouts, compression, label dtypes and class counts.
#include <doctest/doctest.h>

#include "data/dataset_build.hpp"
#include "test_data_support.hpp"

using kcell::Status;
using kcell::data::Dataset;
using kcell::data::OpenOptions;
using kcell::data::SplitId;
using namespace kcell::test;

namespace {

void check_fixture_dataset(const Dataset& d, int channels) {
  CHECK(d.channels == channels);
  CHECK(d.height == kFixtureHeight);
  CHECK(d.width == kFixtureWidth);
  CHECK(d.num_classes == 3);
  check_split_matches_formula(d, SplitId::train, 0, kFixtureCounts[0]);
  check_split_matches_formula(d, SplitId::val, 1, kFixtureCounts[1]);
  check_split_matches_formula(d, SplitId::test, 2, kFixtureCounts[2]);
}

}  // namespace

TEST_CASE("npz written by np.savez_compressed (deflated members) reads every pixel and label") {
  check_fixture_dataset(open_fixture("medmnist_compressed.npz"), 1);
}

TEST_CASE("npz written by np.savez (stored members) reads every pixel and label") {
  check_fixture_dataset(open_fixture("medmnist_stored.npz"), 1);
}

TEST_CASE("npz with (N,H,W,3) images is transposed to N×C×H×W") {
  check_fixture_dataset(open_fixture("medmnist_rgb.npz"), 3);
}

TEST_CASE("npz labels of other integer dtypes, byte orders and (N,) shape read as int32") {
  check_fixture_dataset(open_fixture("labels_mixed_a.npz"), 1);
  check_fixture_dataset(open_fixture("labels_mixed_b.npz"), 1);
}

TEST_CASE("the class count is the largest label + 1 unless the caller gives it") {
  OpenOptions options;
  options.num_classes = 10;
  Dataset d = open_fixture("medmnist_compressed.npz", options);
  CHECK(d.num_classes == 10);
  auto histogram = kcell::data::class_histogram(d, SplitId::train);
  REQUIRE(histogram.size() == 10);
  CHECK(histogram[0] == 4);
  CHECK(histogram[1] == 4);
  CHECK(histogram[2] == 4);
  CHECK(histogram[3] == 0);
}

TEST_CASE("npz labels at or above a given class count are rejected naming the member") {
  OpenOptions options;
  options.num_classes = 2;
  check_error([&] { open_fixture("medmnist_compressed.npz", options); }, Status::format,
              "member train_labels.npy", "label 2", "class count 2");
}

TEST_CASE("npz arrays larger than max_bytes are a limit error before anything is allocated") {
  OpenOptions options;
  options.max_bytes = 12 * 6 * 5 - 1;  // one byte short of train_images
  check_error([&] { open_fixture("medmnist_compressed.npz", options); }, Status::limit,
              "train_images.npy", "max_bytes");
  options.max_bytes = 12 * 6 * 5;
  CHECK_NOTHROW(open_fixture("medmnist_compressed.npz", options));
}
