#include "data/npz_writer.hpp"

#include <array>
#include <cstdint>
#include <vector>

#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "data/dataset_build.hpp"
#include "io/npy_writer.hpp"
#include "io/zip_writer.hpp"

namespace kcell::data {
namespace {

// N×C×H×W planes back to N×H×W×C pixels, the layout of MedMNIST's RGB arrays.
std::vector<uint8_t> to_channels_last(const Split& split, const Dataset& dataset) {
  const size_t channels = static_cast<size_t>(dataset.channels);
  const size_t plane = static_cast<size_t>(dataset.height) * static_cast<size_t>(dataset.width);
  std::vector<uint8_t> hwc(split.images.size());
  for (size_t n = 0; n < split.count; ++n) {
    const uint8_t* chw = split.images.data() + n * channels * plane;
    uint8_t* out = hwc.data() + n * channels * plane;
    for (size_t c = 0; c < channels; ++c)
      for (size_t p = 0; p < plane; ++p) out[p * channels + c] = chw[c * plane + p];
  }
  return hwc;
}

}  // namespace

void write_medmnist_npz(const Dataset& dataset, const std::string& path) {
  const bool wide_labels = dataset.num_classes > 256;
  io::ZipWriter zip;
  bool any = false;
  for (SplitId id : {SplitId::train, SplitId::val, SplitId::test}) {
    const Split& split = dataset.split(id);
    if (split.count == 0) continue;
    const std::string name = split_name(id);
    for (int32_t label : split.labels)
      if (label < 0)
        fail(Status::invalid_argument,
             "the " + name + " split is unlabelled; a MedMNIST .npz needs labels");
    std::vector<int64_t> shape = {static_cast<int64_t>(split.count), dataset.height, dataset.width};
    if (dataset.channels > 1) {
      shape.push_back(dataset.channels);
      const std::vector<uint8_t> hwc = to_channels_last(split, dataset);
      const auto npy = io::npy_array(shape, "|u1", 1, hwc.data(), hwc.size());
      zip.add(name + "_images.npy", npy.data(), npy.size());
    } else {
      const auto npy = io::npy_array(shape, "|u1", 1, split.images.data(), split.images.size());
      zip.add(name + "_images.npy", npy.data(), npy.size());
    }
    // (N, 1) classes, or a multi-label dataset's (N, L) values of 0 / 1, as MedMNIST writes them.
    const std::vector<int64_t> label_shape = {static_cast<int64_t>(split.count),
                                              dataset.multi_label() ? split.label_width : 1};
    if (wide_labels) {
      const auto npy = io::npy_array(label_shape, "<i4", sizeof(int32_t), split.labels.data(),
                                     split.labels.size());
      zip.add(name + "_labels.npy", npy.data(), npy.size());
    } else {
      const std::vector<uint8_t> narrow(split.labels.begin(), split.labels.end());
      const auto npy = io::npy_array(label_shape, "|u1", 1, narrow.data(), narrow.size());
      zip.add(name + "_labels.npy", npy.data(), npy.size());
    }
    any = true;
  }
  if (!any) fail(Status::invalid_argument, "the dataset has no split to write");
  const std::vector<uint8_t> bytes = zip.finish();
  write_file_atomically(path, bytes.data(), bytes.size());
}

}  // namespace kcell::data
