// Final checks shared by every way of making a Dataset: the class count, the labels
// against it, and copying caller buffers.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "data/dataset.hpp"

namespace kcell::data {

// Sets dataset.num_classes: `requested` if positive (every label must be below it), else
// the largest label + 1 over all splits. `label_sources` name each split's labels for
// error messages (index by SplitId). Throws a format error for a label >= requested.
void settle_class_count(Dataset& dataset, int requested,
                        const std::array<std::string, 3>& label_sources);

// The same for a multi-label dataset: every split has the same label width L, every label
// is 0 or 1, and `requested` (if positive) is L; num_classes becomes L. Throws a format error.
void settle_label_count(Dataset& dataset, int requested,
                        const std::array<std::string, 3>& label_sources);

// Checks options a caller passed; throws invalid_argument naming the bad field.
void check_open_options(const OpenOptions& options);

// One split of caller memory, as kcell_dataset_create() receives it.
struct SplitView {
  const uint8_t* images = nullptr;  // count × C×H×W bytes
  const int32_t* labels = nullptr;  // count labels
  size_t count = 0;                 // 0: absent
};

// Copies caller buffers into a Dataset after checking the shape, the labels and the
// class count. Throws invalid_argument naming the problem.
Dataset dataset_from_buffers(int channels, int height, int width, int num_classes,
                             const std::array<SplitView, 3>& splits);

// Images per class in one split (num_classes entries; unlabelled images are not counted);
// multi-label: images per label that have it (its positives).
std::vector<size_t> class_histogram(const Dataset& dataset, SplitId split);

// "train", "val" or "test".
const char* split_name(SplitId split);

}  // namespace kcell::data
