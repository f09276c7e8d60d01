#include "data/npz_reader.hpp"

#include <array>

#include "common/error.hpp"
#include "data/dataset_build.hpp"
#include "data/npy_arrays.hpp"
#include "data/npy_header.hpp"
#include "data/zip_archive.hpp"

namespace kcell::data {
namespace {

constexpr std::array<SplitId, 3> kSplits = {SplitId::train, SplitId::val, SplitId::test};

// numpy.savez names members "<key>.npy"; numpy.load also accepts a bare "<key>".
std::string member_name(const ZipArchive& zip, const std::string& key) {
  std::string with_suffix = key + ".npy";
  if (zip.has_member(with_suffix)) return with_suffix;
  if (zip.has_member(key)) return key;
  fail(Status::format, zip.path() + ": missing member " + with_suffix +
                           " (a MedMNIST .npz needs train_images, train_labels, val_images, "
                           "val_labels, test_images and test_labels)");
}

struct SplitHeaders {
  std::string images_member, labels_member;
  NpyHeader images, labels;
  ImageStackShape shape;
};

NpyHeader peek_header(ZipArchive& zip, const std::string& member, uint64_t max_bytes) {
  auto source = zip.open_member(member);
  NpyHeader header = read_npy_header(*source);
  check_payload_size(*source, header, max_bytes);
  return header;
}

// The archive is read twice; a file rewritten in between must not slip past the checks.
void require_unchanged(const NpyHeader& now, const NpyHeader& before, const std::string& where) {
  if (now.shape != before.shape || now.dtype.descr != before.dtype.descr ||
      now.fortran_order != before.fortran_order)
    fail(Status::io, where + ": the file changed while it was being read");
}

}  // namespace

Dataset read_medmnist_npz(const std::string& path, const OpenOptions& options) {
  ZipArchive zip(path);

  // Pass 1: every header, so a bad file is refused before anything large is allocated.
  std::array<SplitHeaders, 3> headers;
  for (SplitId id : kSplits) {
    SplitHeaders& h = headers[static_cast<size_t>(id)];
    const std::string split = split_name(id);
    h.images_member = member_name(zip, split + "_images");
    h.labels_member = member_name(zip, split + "_labels");
  }
  for (SplitId id : kSplits) {
    SplitHeaders& h = headers[static_cast<size_t>(id)];
    const std::string images_where = path + ": member " + h.images_member;
    const std::string labels_where = path + ": member " + h.labels_member;
    h.images = peek_header(zip, h.images_member, options.max_bytes);
    h.shape = image_stack_shape(h.images, images_where);
    h.labels = peek_header(zip, h.labels_member, options.max_bytes);
    uint64_t label_count = label_vector_count(h.labels, labels_where);
    if (label_count != h.shape.count) {
      fail(Status::format, labels_where + ": " + std::to_string(label_count) + " labels for " +
                               std::to_string(h.shape.count) + " images in " + h.images_member);
    }
    const ImageStackShape& first = headers[0].shape;
    if (h.shape.channels != first.channels || h.shape.height != first.height ||
        h.shape.width != first.width) {
      fail(Status::format, images_where + ": images of shape " + shape_string(h.images.shape) +
                               " do not match " + headers[0].images_member + " of shape " +
                               shape_string(headers[0].images.shape));
    }
  }

  // Pass 2: the data, each array straight into its final place.
  Dataset dataset;
  dataset.channels = headers[0].shape.channels;
  dataset.height = headers[0].shape.height;
  dataset.width = headers[0].shape.width;
  std::array<std::string, 3> label_sources;
  for (SplitId id : kSplits) {
    const SplitHeaders& h = headers[static_cast<size_t>(id)];
    Split& split = dataset.split(id);
    label_sources[static_cast<size_t>(id)] = path + ": member " + h.labels_member;
    {
      auto source = zip.open_member(h.labels_member);
      NpyHeader header = read_npy_header(*source);
      require_unchanged(header, h.labels, source->name());
      split.labels = read_label_payload(*source, header, options.max_bytes);
    }
    {
      auto source = zip.open_member(h.images_member);
      NpyHeader header = read_npy_header(*source);
      require_unchanged(header, h.images, source->name());
      split.images = read_image_payload(*source, header, h.shape, options.max_bytes);
    }
    split.count = static_cast<size_t>(h.shape.count);
  }
  settle_class_count(dataset, options.num_classes, label_sources);
  return dataset;
}

}  // namespace kcell::data
