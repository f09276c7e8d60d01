#include "dataset_info.hpp"

#include <cstdio>
#include <vector>

#include "common.hpp"

namespace kcell_cli {

DatasetInfo describe_dataset(const kcell_dataset* dataset, const std::string& path) {
  DatasetInfo info;
  info.path = path;
  check(kcell_dataset_shape(dataset, &info.channels, &info.height, &info.width), path);
  check(kcell_dataset_num_classes(dataset, &info.classes), path);
  for (kcell_split split : {KCELL_SPLIT_TRAIN, KCELL_SPLIT_VAL, KCELL_SPLIT_TEST})
    check(kcell_dataset_count(dataset, split, &info.counts[split]), path);
  return info;
}

void print_dataset_summary(const kcell_dataset* dataset, const DatasetInfo& info) {
  std::printf("%s: %d×%d×%d images, %d classes\n", info.path.c_str(), info.channels,
              info.height, info.width, info.classes);
  for (kcell_split split : {KCELL_SPLIT_TRAIN, KCELL_SPLIT_VAL, KCELL_SPLIT_TEST}) {
    if (info.count(split) == 0) continue;
    std::printf("  %-5s %8zu images", split_name(split), info.count(split));
    if (info.classes > 0) {
      std::vector<size_t> histogram(static_cast<size_t>(info.classes));
      check(kcell_dataset_class_histogram(dataset, split, histogram.data(), histogram.size()),
            info.path);
      std::printf("  per class:");
      for (size_t n : histogram) std::printf(" %zu", n);
    }
    std::printf("\n");
  }
}

}  // namespace kcell_cli
