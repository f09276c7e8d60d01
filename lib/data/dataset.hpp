// The in-memory dataset: uint8 images N×C×H×W and int32 labels, per split: one class per
// image (multi-class), or L binary labels per image (multi-label, as ChestMNIST).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace kcell::data {

enum class SplitId : int { train = 0, val = 1, test = 2 };

// What the labels mean. MedMNIST's binary and ordinal tasks are multi-class (one class per
// image, as MedMNIST's evaluator treats them); multi-label images have L labels of 0 / 1
// each (any number of them may be 1). The values are those of kcell_task.
enum class TaskKind : int { multi_class = 0, multi_label = 1 };
const char* task_name(TaskKind task);  // "multi-class" or "multi-label"

struct Split {
  std::vector<uint8_t> images;  // count × channels × height × width
  // count labels (-1 when unlabelled); multi-label: count × label_width values of 0 or 1,
  // image by image.
  std::vector<int32_t> labels;
  size_t count = 0;     // 0 means absent
  int label_width = 1;  // labels per image: 1, or L for multi-label
};

struct Dataset {
  int channels = 0;
  int height = 0;
  int width = 0;
  int num_classes = 0;  // 0 for an unlabelled stack; multi-label: L, the labels per image
  TaskKind task = TaskKind::multi_class;
  std::array<Split, 3> splits;
  // The classes' names in label order when the data names them (an image folder's class
  // folders); empty otherwise.
  std::vector<std::string> class_names;

  bool multi_label() const { return task == TaskKind::multi_label; }

  const Split& split(SplitId id) const { return splits[static_cast<int>(id)]; }
  Split& split(SplitId id) { return splits[static_cast<int>(id)]; }
  size_t image_bytes() const {
    return static_cast<size_t>(channels) * static_cast<size_t>(height) * static_cast<size_t>(width);
  }
};

struct OpenOptions {
  int num_classes = 0;               // 0: infer as largest label + 1
  double val_fraction = 1.0 / 12.0;  // IDX folders: tail of train kept as validation
  uint64_t max_bytes = 8ull << 30;   // largest array a file may declare
  uint64_t max_files = 500000;       // image folders: most entries listed in all
};

// Opens a .npz, .npy, IDX folder or image folder, detected from the content. Throws
// kcell::Error.
Dataset open_dataset(const std::string& path, const OpenOptions& options);

}  // namespace kcell::data
