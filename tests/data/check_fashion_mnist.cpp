// Opens Debian's Fashion-MNIST folder (package dataset-fashion-mnist) and checks split
// sizes, class count, class histograms, pixel fingerprints and a few images byte for byte
// against the values numpy read from the same files (tests/fixtures/data/
// fashion_mnist_expected.txt, written by fashion_mnist_expected.py). Exits 77 (skipped)
// when the folder is not installed.
//
// usage: check_fashion_mnist FOLDER EXPECTED.txt
#include <kcell/kcell.h>
#include <sys/stat.h>

#include <cstdio>
#include <string>

#include "expected_values.hpp"

using namespace kcell_check;

namespace {

std::string to_hex(const std::vector<uint8_t>& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string hex;
  for (uint8_t b : bytes) {
    hex += digits[b >> 4];
    hex += digits[b & 15];
  }
  return hex;
}

// expected["image_<split>_<index>"] = {label, hex pixels}
void check_image(const kcell_dataset* d, kcell_split split, size_t index,
                 const std::vector<std::string>& expected) {
  std::vector<uint8_t> pixels(28 * 28);
  int32_t label = -1;
  const std::string what = std::string(split_key(split)) + " image " + std::to_string(index);
  check(kcell_dataset_image(d, split, index, pixels.data(), pixels.size(), &label) == KCELL_OK,
        what);
  check(expected.size() == 2, what + " has expected values");
  if (expected.size() != 2) return;
  check(label == std::stoi(expected[0]), what + " label");
  check(to_hex(pixels) == expected[1], what + " bytes equal numpy's");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s FOLDER EXPECTED.txt\n", argv[0]);
    return 2;
  }
  struct stat st {};
  if (::stat(argv[1], &st) != 0 || !S_ISDIR(st.st_mode)) {
    std::printf("skipped: %s is not installed (apt-get install dataset-fashion-mnist)\n", argv[1]);
    return 77;
  }
  auto expected = read_expected(argv[2]);
  kcell_dataset* d = nullptr;
  if (kcell_dataset_open(argv[1], nullptr, &d) != KCELL_OK) {
    std::fprintf(stderr, "open failed: %s\n", kcell_last_error());
    return 1;
  }
  int channels = 0, height = 0, width = 0, classes = 0;
  kcell_dataset_shape(d, &channels, &height, &width);
  kcell_dataset_num_classes(d, &classes);
  check(channels == 1 && height == 28 && width == 28, "shape 1x28x28");
  check(classes == 10, "10 classes");
  const size_t sizes[3] = {55000, 5000, 10000};
  for (kcell_split split : {KCELL_SPLIT_TRAIN, KCELL_SPLIT_VAL, KCELL_SPLIT_TEST}) {
    const std::string key = split_key(split);
    size_t count = 0;
    kcell_dataset_count(d, split, &count);
    check(count == sizes[split], key + " has " + std::to_string(sizes[split]) + " images");
    check(histogram(d, split) == as_numbers(expected[key + "_histogram"]), key + " histogram");
    check(fingerprint(d, split) == as_numbers(expected[key + "_fingerprint"]),
          key + " pixel fingerprint");
  }
  check_image(d, KCELL_SPLIT_TRAIN, 0, expected["image_train_0"]);
  check_image(d, KCELL_SPLIT_VAL, 0, expected["image_val_0"]);
  check_image(d, KCELL_SPLIT_TEST, 0, expected["image_test_0"]);
  check_image(d, KCELL_SPLIT_TEST, 9999, expected["image_test_9999"]);
  kcell_dataset_free(d);
  if (failures == 0)
    std::printf("Fashion-MNIST: 55000 / 5000 / 10000 images, 10 classes, match numpy\n");
  return failures == 0 ? 0 : 1;
}
