// Format detection looks at content, not names; option checks.
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>

#include "data/format_detect.hpp"
#include "test_data_support.hpp"

using kcell::Status;
using kcell::data::DataFormat;
using kcell::data::detect_format;
using namespace kcell::test;

namespace {

// Copies a fixture to the test temp folder under another name.
std::string copy_as(const std::string& fixture, const std::string& name) {
  std::ifstream in(data_fixture(fixture), std::ios::binary);
  std::string path = std::string(KCELL_TEST_TMP_DIR) + "/" + name;
  std::ofstream out(path, std::ios::binary);
  out << in.rdbuf();
  return path;
}

}  // namespace

TEST_CASE("formats are detected from magic bytes whatever the file is called") {
  CHECK(detect_format(data_fixture("medmnist_compressed.npz")) == DataFormat::npz);
  CHECK(detect_format(data_fixture("stack_v1.npy")) == DataFormat::npy);
  CHECK(detect_format(data_fixture("stack_v1.npy.gz")) == DataFormat::npy);
  CHECK(detect_format(data_fixture("idx_plain/t10k-images-idx3-ubyte")) == DataFormat::idx_images);
  CHECK(detect_format(data_fixture("idx_gz/t10k-images-idx3-ubyte.gz")) == DataFormat::idx_images);
  CHECK(detect_format(data_fixture("idx_gz")) == DataFormat::idx_folder);

  CHECK(detect_format(copy_as("medmnist_stored.npz", "misnamed.npy")) == DataFormat::npz);
  CHECK(detect_format(copy_as("stack_v2.npy", "misnamed.npz")) == DataFormat::npy);
  auto d = kcell::data::open_dataset(copy_as("medmnist_stored.npz", "misnamed2.npy"), {});
  CHECK(d.split(kcell::data::SplitId::train).count == 12);
}

TEST_CASE("bad open options are invalid arguments naming the option") {
  kcell::data::OpenOptions options;
  options.val_fraction = 1.0;
  check_error([&] { open_fixture("idx_plain", options); }, Status::invalid_argument,
              "val_fraction");
  options = {};
  options.num_classes = -1;
  check_error([&] { open_fixture("idx_plain", options); }, Status::invalid_argument, "num_classes");
  options = {};
  options.max_bytes = 0;
  check_error([&] { open_fixture("idx_plain", options); }, Status::invalid_argument, "max_bytes");
}
