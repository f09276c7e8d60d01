// Inputs that could be read two ways are refused instead of silently picking one: an .npz
// holding both "train_images" and "train_images.npy" (numpy.load reads one, kcell read the
// other), an IDX folder holding both a plain file and its .gz.
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "data/dataset.hpp"
#include "test_data_support.hpp"
#include "test_model_file_support.hpp"

using kcell::Status;
using kcell::test::check_error;

namespace {

std::string fresh(const std::string& name) {
  const std::string dir = std::string(KCELL_TEST_TMP_DIR) + "/" + name;
  REQUIRE(std::system(("rm -rf '" + dir + "' && mkdir -p '" + dir + "'").c_str()) == 0);
  return dir;
}

std::vector<uint8_t> file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE("an npz holding both train_images and train_images.npy is refused as ambiguous") {
  kcell::test::Members members =
      kcell::test::read_members(file_bytes(kcell::test::data_fixture("medmnist_stored.npz")));
  members["train_images"] = members["val_images.npy"];
  const std::string path = fresh("ambiguous_npz") + "/both.npz";
  const std::vector<uint8_t> zip = kcell::test::write_members(members);
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(zip.data()), static_cast<std::streamsize>(zip.size()));
  check_error([&] { kcell::data::open_dataset(path, {}); }, Status::format,
              "both members train_images and train_images.npy", "ambiguous");
}

TEST_CASE("an IDX folder holding a plain file and its .gz is refused as ambiguous") {
  const std::string dir = fresh("ambiguous_idx");
  const std::string plain = kcell::test::data_fixture("idx_plain");
  const std::string gz = kcell::test::data_fixture("idx_gz");
  REQUIRE(std::system(("cp '" + plain + "'/* '" + dir + "'/ && cp '" + gz +
                       "'/train-images-idx3-ubyte.gz '" + dir + "'/")
                          .c_str()) == 0);
  check_error([&] { kcell::data::open_dataset(dir, {}); }, Status::format,
              "train-images-idx3-ubyte and train-images-idx3-ubyte.gz", "ambiguous");
}
