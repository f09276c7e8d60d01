// What the program needs to know about an opened dataset: shape, classes, split sizes.
#pragma once

#include <kcell/kcell.hpp>

#include <cstddef>
#include <string>

namespace kcell_cli {

struct DatasetInfo {
  std::string path;
  int channels = 0, height = 0, width = 0, classes = 0;  // multi-label: classes = labels
  bool multi_label = false;
  size_t counts[3] = {0, 0, 0};  // indexed by kcell_split

  size_t count(kcell_split split) const { return counts[split]; }
};

// Reads shape, class count and split sizes of an opened dataset.
DatasetInfo describe_dataset(const kcell::Dataset& dataset, const std::string& path);

// Prints shape, classes and per-split counts (with per-class histograms).
void print_dataset_summary(const kcell::Dataset& dataset, const DatasetInfo& info);

}  // namespace kcell_cli
