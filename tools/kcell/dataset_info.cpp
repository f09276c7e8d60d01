#include "dataset_info.hpp"

#include <cstdio>
#include <vector>

#include "common.hpp"

namespace kcell_cli {

DatasetInfo describe_dataset(const kcell::Dataset& dataset, const std::string& path) {
  DatasetInfo info;
  info.path = path;
  in_context(path, [&] {
    const std::vector<int> chw = dataset.shape();
    info.channels = chw[0];
    info.height = chw[1];
    info.width = chw[2];
    info.classes = dataset.num_classes();
    info.multi_label = dataset.task() == KCELL_TASK_MULTI_LABEL;
    for (kcell_split split : {KCELL_SPLIT_TRAIN, KCELL_SPLIT_VAL, KCELL_SPLIT_TEST})
      info.counts[split] = dataset.count(split);
  });
  return info;
}

void print_dataset_summary(const kcell::Dataset& dataset, const DatasetInfo& info) {
  std::printf("%s: %d×%d×%d images, %d %s\n", info.path.c_str(), info.channels, info.height,
              info.width, info.classes,
              info.multi_label ? "binary labels per image (multi-label)" : "classes");
  for (kcell_split split : {KCELL_SPLIT_TRAIN, KCELL_SPLIT_VAL, KCELL_SPLIT_TEST}) {
    if (info.count(split) == 0) continue;
    std::printf("  %-5s %8zu images", split_name(split), info.count(split));
    if (info.classes > 0) {
      const std::vector<size_t> histogram =
          in_context(info.path, [&] { return dataset.class_histogram(split); });
      std::printf(info.multi_label ? "  positives per label:" : "  per class:");
      for (size_t n : histogram) std::printf(" %zu", n);
    }
    std::printf("\n");
  }
}

}  // namespace kcell_cli
