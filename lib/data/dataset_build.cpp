#include "data/dataset_build.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "common/error.hpp"
#include "data/bulk_buffer.hpp"
#include "data/label_convert.hpp"

namespace kcell::data {

const char* split_name(SplitId split) {
  switch (split) {
    case SplitId::train:
      return "train";
    case SplitId::val:
      return "val";
    case SplitId::test:
      return "test";
  }
  return "unknown";
}

const char* task_name(TaskKind task) {
  return task == TaskKind::multi_label ? "multi-label" : "multi-class";
}

void settle_class_count(Dataset& dataset, int requested,
                        const std::array<std::string, 3>& label_sources) {
  if (dataset.multi_label()) {
    settle_label_count(dataset, requested, label_sources);
    return;
  }
  int32_t largest = -1;
  for (size_t s = 0; s < dataset.splits.size(); ++s) {
    const auto& labels = dataset.splits[s].labels;
    for (size_t i = 0; i < labels.size(); ++i) {
      if (requested > 0 && labels[i] >= requested) {
        fail(Status::format, label_sources[s] + ": label " + std::to_string(labels[i]) +
                                 " at index " + std::to_string(i) +
                                 " is not below the class count " + std::to_string(requested));
      }
      if (labels[i] > largest) largest = labels[i];
    }
  }
  dataset.num_classes = requested > 0 ? requested : largest + 1;
}

void check_open_options(const OpenOptions& options) {
  if (options.num_classes < 0 || options.num_classes > kMaxLabel + 1) {
    fail(Status::invalid_argument, "num_classes must be 0 (infer) or 1 to " +
                                       std::to_string(kMaxLabel + 1) + ", not " +
                                       std::to_string(options.num_classes));
  }
  if (!(options.val_fraction >= 0.0 && options.val_fraction < 1.0))
    fail(Status::invalid_argument, "val_fraction must be in [0, 1)");
  if (options.max_bytes == 0) fail(Status::invalid_argument, "max_bytes must be positive");
  if (options.max_files == 0) fail(Status::invalid_argument, "max_files must be positive");
}

namespace {
size_t split_image_bytes_limit() { return std::vector<uint8_t>().max_size(); }
}  // namespace

Dataset dataset_from_buffers(int channels, int height, int width, int num_classes,
                             const std::array<SplitView, 3>& splits) {
  if (channels != 1 && channels != 3)
    fail(Status::invalid_argument, "channels must be 1 or 3, not " + std::to_string(channels));
  if (height <= 0 || width <= 0)
    fail(Status::invalid_argument, "height and width must be positive");
  if (num_classes < 0 || num_classes > kMaxLabel + 1) {
    fail(Status::invalid_argument,
         "num_classes must be 0 (infer) or 1 to " + std::to_string(kMaxLabel + 1));
  }
  Dataset dataset;
  dataset.channels = channels;
  dataset.height = height;
  dataset.width = width;
  const size_t image_bytes = dataset.image_bytes();
  bool any = false;
  std::array<std::string, 3> names;
  for (size_t s = 0; s < splits.size(); ++s) {
    const SplitView& view = splits[s];
    const std::string name = split_name(static_cast<SplitId>(s));
    names[s] = name + " labels";
    if (view.count == 0) continue;
    if (view.images == nullptr) fail(Status::invalid_argument, name + ".images is NULL");
    if (view.labels == nullptr) fail(Status::invalid_argument, name + ".labels is NULL");
    size_t bytes = 0;
    // No buffer can be larger than PTRDIFF_MAX bytes (vector::max_size): such a count is a
    // caller's mistake, not something to try to allocate.
    if (__builtin_mul_overflow(view.count, image_bytes, &bytes) ||
        bytes > split_image_bytes_limit())
      fail(Status::invalid_argument, name + ".count is too large: " + std::to_string(view.count) +
                                         " images of " + std::to_string(image_bytes) +
                                         " bytes do not fit in memory");
    for (size_t i = 0; i < view.count; ++i) {
      if (view.labels[i] < 0 || view.labels[i] > kMaxLabel) {
        fail(Status::invalid_argument,
             name + " label " + std::to_string(view.labels[i]) + " at index " + std::to_string(i) +
                 " is not a class index (0 to " + std::to_string(kMaxLabel) + ")");
      }
    }
    Split& split = dataset.splits[s];
    resize_for_bulk_write(split.images, bytes);
    std::memcpy(split.images.data(), view.images, bytes);
    split.labels.assign(view.labels, view.labels + view.count);
    split.count = view.count;
    any = true;
  }
  if (!any) fail(Status::invalid_argument, "every split is empty; give at least one");
  try {
    settle_class_count(dataset, num_classes, names);
  } catch (const Error& e) {
    fail(Status::invalid_argument, e.what());
  }
  return dataset;
}

void settle_label_count(Dataset& dataset, int requested,
                        const std::array<std::string, 3>& label_sources) {
  int width = 0;
  std::string first;  // the first split's labels, for the message below
  for (const Split& split : dataset.splits)
    if (split.count > 0) width = std::max(width, split.label_width);
  for (size_t s = 0; s < dataset.splits.size(); ++s) {
    const Split& split = dataset.splits[s];
    if (split.count == 0) continue;
    if (first.empty()) first = label_sources[s];
    if (split.label_width != width)
      fail(Status::format, label_sources[s] + ": " + std::to_string(split.label_width) +
                               " label(s) per image where another split has " +
                               std::to_string(width) + " (every split needs the same labels)");
    if (split.labels.size() != split.count * static_cast<size_t>(width))
      fail(Status::internal, label_sources[s] + ": multi-label labels of the wrong size");
    for (size_t i = 0; i < split.labels.size(); ++i)
      if (split.labels[i] != 0 && split.labels[i] != 1)
        fail(Status::format, label_sources[s] + ": image " + std::to_string(i / width) +
                                 ", label " + std::to_string(i % width) + " is " +
                                 std::to_string(split.labels[i]) +
                                 "; multi-label labels (N, L) must be 0 or 1");
  }
  if (requested > 0 && requested != width)
    fail(Status::format, first + ": the data has " + std::to_string(width) +
                             " labels per image but " + std::to_string(requested) +
                             " classes were asked for");
  dataset.num_classes = width;
}

std::vector<size_t> class_histogram(const Dataset& dataset, SplitId split) {
  std::vector<size_t> counts(static_cast<size_t>(dataset.num_classes), 0);
  const Split& s = dataset.split(split);
  if (dataset.multi_label()) {  // positives per label
    for (size_t i = 0; i < s.count * static_cast<size_t>(s.label_width); ++i)
      counts[i % static_cast<size_t>(s.label_width)] += s.labels[i] == 1;
    return counts;
  }
  for (int32_t label : s.labels) {
    if (label >= 0 && label < dataset.num_classes) ++counts[static_cast<size_t>(label)];
  }
  return counts;
}

}  // namespace kcell::data
