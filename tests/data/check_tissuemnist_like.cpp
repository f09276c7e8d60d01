// Loads the generated TissueMNIST-shaped .npz through the C API and checks its counts,
// class histograms and pixel fingerprints against numpy's (FILE.expected). Prints the load
// time (not asserted: machines differ) and checks the memory it cost is about the raw
// bytes, not a float copy and not two copies.
//
// usage: check_tissuemnist_like FILE.npz
#include <kcell/kcell.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include "expected_values.hpp"

using namespace kcell_check;

namespace {

// Peak resident memory of this process so far, in bytes (VmHWM).
long long peak_rss_bytes() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmHWM:") {
      long long kib = 0;
      status >> kib;
      return kib * 1024;
    }
    status.ignore(1 << 12, '\n');
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s FILE.npz\n", argv[0]);
    return 2;
  }
  const std::string path = argv[1];
  auto expected = read_expected(path + ".expected");

  const long long rss_before = peak_rss_bytes();
  const auto start = std::chrono::steady_clock::now();
  kcell_dataset* d = nullptr;
  kcell_status status = kcell_dataset_open(path.c_str(), nullptr, &d);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const long long rss_after = peak_rss_bytes();
  if (status != KCELL_OK) {
    std::fprintf(stderr, "open failed: %s\n", kcell_last_error());
    return 1;
  }

  size_t total = 0;
  for (kcell_split split : {KCELL_SPLIT_TRAIN, KCELL_SPLIT_VAL, KCELL_SPLIT_TEST}) {
    const std::string key = split_key(split);
    size_t count = 0;
    check(kcell_dataset_count(d, split, &count) == KCELL_OK, "count");
    check(count == std::stoull(expected[key + "_count"].at(0)), key + " count");
    check(histogram(d, split) == as_numbers(expected[key + "_histogram"]), key + " histogram");
    check(fingerprint(d, split) == as_numbers(expected[key + "_fingerprint"]),
          key + " pixel fingerprint");
    total += count;
  }
  int channels = 0, height = 0, width = 0, classes = 0;
  kcell_dataset_shape(d, &channels, &height, &width);
  kcell_dataset_num_classes(d, &classes);
  check(channels == 1 && height == 28 && width == 28, "shape 1x28x28");
  check(classes == std::stoi(expected["num_classes"].at(0)), "class count");

  const double raw = static_cast<double>(total) * channels * height * width;
  const double cost = static_cast<double>(rss_after - rss_before);
  std::printf(
      "loaded %zu images (%.1f MB raw) in %.2f s; peak memory grew by %.1f MB (%.2fx raw)\n", total,
      raw / 1e6, seconds, cost / 1e6, cost / raw);
  // One uint8 copy plus labels and small buffers; a second copy or floats would be >= 2x.
  check(cost < 1.3 * raw, "loading costs about the raw bytes (under 1.3x)");
  kcell_dataset_free(d);
  return failures == 0 ? 0 : 1;
}
