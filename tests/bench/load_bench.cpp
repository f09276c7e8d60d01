// Dataset load time through the public C API: opens a file (e.g. a TissueMNIST-shaped
// .npz) several times and prints one JSON line with every time, the best one and the peak
// resident memory (getrusage ru_maxrss) of the process. The first open also warms the page
// cache, so best-of-N compares decoding, not the disk.
//
//   kcell_bench_load PATH [repeats=3]
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "kcell/kcell.h"

int main(int argc, char** argv) {
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 3;
  if (argc < 2 || argc > 3 || repeats <= 0) {
    std::fprintf(stderr, "usage: %s PATH [repeats > 0]\n", argv[0]);
    return 2;
  }
  std::vector<double> seconds;
  size_t images = 0;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    kcell_dataset* d = nullptr;
    if (kcell_dataset_open(argv[1], nullptr, &d) != KCELL_OK) {
      std::fprintf(stderr, "open failed: %s\n", kcell_last_error());
      return 1;
    }
    seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    images = 0;
    for (kcell_split s : {KCELL_SPLIT_TRAIN, KCELL_SPLIT_VAL, KCELL_SPLIT_TEST}) {
      size_t n = 0;
      kcell_dataset_count(d, s, &n);
      images += n;
    }
    kcell_dataset_free(d);
  }
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  std::printf("{\"what\": \"kcell_load\", \"images\": %zu, \"seconds\": [", images);
  for (size_t i = 0; i < seconds.size(); ++i) std::printf("%s%.3f", i ? ", " : "", seconds[i]);
  std::printf("], \"best_seconds\": %.3f, \"peak_rss_mb\": %.1f}\n",
              *std::min_element(seconds.begin(), seconds.end()),
              static_cast<double>(u.ru_maxrss) * 1024.0 / 1e6);
  return 0;
}
