// The dataset part of the C API: opening, creating, querying and freeing datasets.
#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>

#include "api/arguments.hpp"
#include "api/guard.hpp"
#include "api/handles.hpp"
#include "data/dataset_build.hpp"
#include "data/npz_writer.hpp"

namespace {

using kcell::Status;
using kcell::api::Access;
using kcell::api::guarded;
using kcell::api::InUse;
using kcell::api::require;
namespace data = kcell::data;

// The options a caller passed, with defaults for fields beyond its struct_size (an older
// caller's smaller struct). Copied bytewise so a smaller struct is never read past its end.
data::OpenOptions options_from(const kcell_open_options* options) {
  data::OpenOptions result;
  if (options == nullptr) return result;
  const size_t size = kcell::api::caller_struct_size(
      options, "options", "fill the options with kcell_open_options_default() first");
  kcell_open_options given{};
  std::memcpy(&given, options, std::min(size, sizeof given));
  auto has = [&](size_t offset, size_t field) { return size >= offset + field; };
  if (has(offsetof(kcell_open_options, num_classes), sizeof given.num_classes))
    result.num_classes = given.num_classes;
  if (has(offsetof(kcell_open_options, val_fraction), sizeof given.val_fraction))
    result.val_fraction = given.val_fraction;
  if (has(offsetof(kcell_open_options, max_bytes), sizeof given.max_bytes))
    result.max_bytes = given.max_bytes;
  if (has(offsetof(kcell_open_options, max_files), sizeof given.max_files))
    result.max_files = given.max_files;
  return result;
}

data::SplitView view_of(const kcell_split_buffers* buffers) {
  data::SplitView view;
  if (buffers != nullptr) {
    view.images = buffers->images;
    view.labels = buffers->labels;
    view.count = buffers->count;
  }
  return view;
}

}  // namespace

extern "C" {

KCELL_API kcell_status kcell_open_options_init(kcell_open_options* options, size_t struct_size) {
  return guarded([&] {
    require(options, "options");
    data::OpenOptions defaults;
    kcell_open_options full{};
    full.num_classes = defaults.num_classes;
    full.val_fraction = defaults.val_fraction;
    full.max_bytes = defaults.max_bytes;
    full.max_files = defaults.max_files;
    kcell::api::copy_sized(&full, sizeof full, options, struct_size);
  });
}

KCELL_API kcell_status kcell_dataset_open(const char* path, const kcell_open_options* options,
                                          kcell_dataset** out) {
  return guarded([&] {
    require(path, "path");
    require(out, "out");
    auto handle = std::make_unique<kcell_dataset>();
    handle->data = data::open_dataset(path, options_from(options));
    handle->source_path = path;
    *out = handle.release();
  });
}

KCELL_API kcell_status kcell_dataset_create(int channels, int height, int width, int num_classes,
                                            const kcell_split_buffers* train,
                                            const kcell_split_buffers* val,
                                            const kcell_split_buffers* test, kcell_dataset** out) {
  return guarded([&] {
    require(out, "out");
    auto handle = std::make_unique<kcell_dataset>();
    handle->data = data::dataset_from_buffers(channels, height, width, num_classes,
                                              {view_of(train), view_of(val), view_of(test)});
    *out = handle.release();
  });
}

KCELL_API void kcell_dataset_free(kcell_dataset* dataset) { kcell::api::release_handle(dataset); }

KCELL_API kcell_status kcell_dataset_class_name(const kcell_dataset* dataset, int index,
                                                char* buffer, size_t capacity, size_t* needed) {
  return guarded([&] {
    require(dataset, "dataset");
    const InUse<kcell_dataset> dataset_use(dataset, "the dataset", Access::shared);
    const data::Dataset& d = dataset->data;
    if (index < 0 || index >= d.num_classes) {
      kcell::fail(Status::invalid_argument, "class index " + std::to_string(index) +
                                                " is outside [0, " + std::to_string(d.num_classes) +
                                                ")");
    }
    const std::string name =
        d.class_names.empty() ? std::to_string(index) : d.class_names[static_cast<size_t>(index)];
    kcell::api::copy_out(name, buffer, capacity, needed, "the class name");
  });
}

KCELL_API kcell_status kcell_dataset_save_npz(const kcell_dataset* dataset, const char* path) {
  return guarded([&] {
    require(dataset, "dataset");
    require(path, "path");
    const InUse<kcell_dataset> dataset_use(dataset, "the dataset", Access::shared);
    data::write_medmnist_npz(dataset->data, path);
  });
}

KCELL_API kcell_status kcell_dataset_count(const kcell_dataset* dataset, kcell_split split,
                                           size_t* count) {
  return guarded([&] {
    require(dataset, "dataset");
    const InUse<kcell_dataset> dataset_use(dataset, "the dataset", Access::shared);
    require(count, "count");
    *count = dataset->data.split(kcell::api::checked_split(kcell::api::raw_enum(split))).count;
  });
}

KCELL_API kcell_status kcell_dataset_shape(const kcell_dataset* dataset, int* channels, int* height,
                                           int* width) {
  return guarded([&] {
    require(dataset, "dataset");
    const InUse<kcell_dataset> dataset_use(dataset, "the dataset", Access::shared);
    if (channels) *channels = dataset->data.channels;
    if (height) *height = dataset->data.height;
    if (width) *width = dataset->data.width;
  });
}

KCELL_API kcell_status kcell_dataset_num_classes(const kcell_dataset* dataset, int* num_classes) {
  return guarded([&] {
    require(dataset, "dataset");
    const InUse<kcell_dataset> dataset_use(dataset, "the dataset", Access::shared);
    require(num_classes, "num_classes");
    *num_classes = dataset->data.num_classes;
  });
}

KCELL_API kcell_status kcell_dataset_class_histogram(const kcell_dataset* dataset,
                                                     kcell_split split, size_t* counts,
                                                     size_t capacity) {
  return guarded([&] {
    require(dataset, "dataset");
    const InUse<kcell_dataset> dataset_use(dataset, "the dataset", Access::shared);
    const data::SplitId id = kcell::api::checked_split(kcell::api::raw_enum(split));
    const auto classes = static_cast<size_t>(dataset->data.num_classes);
    if (capacity < classes) {
      kcell::fail(Status::buffer_too_small, "counts holds " + std::to_string(capacity) +
                                                " entries but the dataset has " +
                                                std::to_string(classes) + " classes");
    }
    if (classes > 0) require(counts, "counts");
    auto histogram = data::class_histogram(dataset->data, id);
    std::copy(histogram.begin(), histogram.end(), counts);
  });
}

KCELL_API kcell_status kcell_dataset_image(const kcell_dataset* dataset, kcell_split split,
                                           size_t index, uint8_t* pixels, size_t capacity,
                                           int32_t* label) {
  return guarded([&] {
    require(dataset, "dataset");
    const InUse<kcell_dataset> dataset_use(dataset, "the dataset", Access::shared);
    const data::SplitId id = kcell::api::checked_split(kcell::api::raw_enum(split));
    const data::Split& s = dataset->data.split(id);
    if (index >= s.count) {
      kcell::fail(Status::invalid_argument, "index " + std::to_string(index) +
                                                " is out of range for the " + data::split_name(id) +
                                                " split of " + std::to_string(s.count) + " images");
    }
    const size_t bytes = dataset->data.image_bytes();
    if (pixels != nullptr && capacity < bytes) {
      kcell::fail(Status::buffer_too_small, "pixels holds " + std::to_string(capacity) +
                                                " bytes but an image has " + std::to_string(bytes));
    }
    if (label != nullptr && dataset->data.multi_label())
      kcell::fail(Status::invalid_argument,
                  "the dataset is multi-label: an image has " + std::to_string(s.label_width) +
                      " labels, not one; pass label = NULL and read them with "
                      "kcell_dataset_labels()");
    if (pixels != nullptr) std::memcpy(pixels, s.images.data() + index * bytes, bytes);
    if (label != nullptr) *label = s.labels[index];
  });
}

KCELL_API kcell_status kcell_dataset_task(const kcell_dataset* dataset, int32_t* task) {
  return guarded([&] {
    require(dataset, "dataset");
    const InUse<kcell_dataset> dataset_use(dataset, "the dataset", Access::shared);
    require(task, "task");
    *task = static_cast<int32_t>(dataset->data.task);
  });
}

KCELL_API kcell_status kcell_dataset_labels(const kcell_dataset* dataset, kcell_split split,
                                            size_t index, int32_t* labels, size_t capacity) {
  return guarded([&] {
    require(dataset, "dataset");
    const InUse<kcell_dataset> dataset_use(dataset, "the dataset", Access::shared);
    require(labels, "labels");
    const data::SplitId id = kcell::api::checked_split(kcell::api::raw_enum(split));
    const data::Split& s = dataset->data.split(id);
    if (index >= s.count)
      kcell::fail(Status::invalid_argument, "index " + std::to_string(index) +
                                                " is out of range for the " + data::split_name(id) +
                                                " split of " + std::to_string(s.count) + " images");
    const size_t width = static_cast<size_t>(s.label_width);
    if (capacity < width)
      kcell::fail(Status::buffer_too_small, "labels holds " + std::to_string(capacity) +
                                                " values but an image has " +
                                                std::to_string(width));
    std::copy_n(s.labels.data() + index * width, width, labels);
  });
}

}  // extern "C"
