// Helpers of the dataset check programs: reading "key value value ..." files written by
// the numpy scripts, fingerprinting a split as those scripts do, and a check counter.
#pragma once

#include <kcell/kcell.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace kcell_check {

inline int failures = 0;

inline void check(bool ok, const std::string& what) {
  if (!ok) {
    std::fprintf(stderr, "check failed: %s (last error: %s)\n", what.c_str(), kcell_last_error());
    ++failures;
  }
}

// Each line "key v1 v2 ..." becomes key -> {v1, v2, ...} (as text).
inline std::map<std::string, std::vector<std::string>> read_expected(const std::string& path) {
  std::map<std::string, std::vector<std::string>> values;
  std::ifstream in(path);
  check(static_cast<bool>(in), "can read " + path);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string key, word;
    if (!(words >> key)) continue;
    while (words >> word) values[key].push_back(word);
  }
  return values;
}

inline std::vector<uint64_t> as_numbers(const std::vector<std::string>& words) {
  std::vector<uint64_t> numbers;
  for (const auto& w : words) numbers.push_back(std::stoull(w));
  return numbers;
}

// The scripts' fingerprint: the sum of all pixels, and per-image sums weighted by
// (index % 1000 + 1).
inline std::vector<uint64_t> fingerprint(const kcell_dataset* d, kcell_split split) {
  size_t count = 0;
  int c = 0, h = 0, w = 0;
  kcell_dataset_count(d, split, &count);
  kcell_dataset_shape(d, &c, &h, &w);
  std::vector<uint8_t> pixels(static_cast<size_t>(c) * h * w);
  uint64_t total = 0, weighted = 0;
  for (size_t i = 0; i < count; ++i) {
    if (kcell_dataset_image(d, split, i, pixels.data(), pixels.size(), nullptr) != KCELL_OK) {
      check(false, "read image " + std::to_string(i));
      break;
    }
    uint64_t sum = 0;
    for (uint8_t p : pixels) sum += p;
    total += sum;
    weighted += sum * (i % 1000 + 1);
  }
  return {total, weighted};
}

inline std::vector<uint64_t> histogram(const kcell_dataset* d, kcell_split split) {
  int classes = 0;
  kcell_dataset_num_classes(d, &classes);
  std::vector<size_t> counts(static_cast<size_t>(classes));
  check(kcell_dataset_class_histogram(d, split, counts.data(), counts.size()) == KCELL_OK,
        "class histogram");
  return std::vector<uint64_t>(counts.begin(), counts.end());
}

inline const char* split_key(kcell_split split) {
  return split == KCELL_SPLIT_TRAIN ? "train" : split == KCELL_SPLIT_VAL ? "val" : "test";
}

}  // namespace kcell_check
