#include "data/npz_reader.hpp"

#include <omp.h>

#include <algorithm>
#include <array>
#include <exception>
#include <mutex>
#include <optional>
#include <vector>

#include "common/error.hpp"
#include "data/dataset_build.hpp"
#include "data/npy_arrays.hpp"
#include "io/npy_header.hpp"
#include "io/zip_archive.hpp"

namespace kcell::data {
namespace {

constexpr std::array<SplitId, 3> kSplits = {SplitId::train, SplitId::val, SplitId::test};

// numpy.savez names members "<key>.npy"; numpy.load also accepts a bare "<key>". Empty
// when the archive has neither.
std::string member_name(const io::ZipArchive& zip, const std::string& key) {
  std::string with_suffix = key + ".npy";
  // Both present: numpy.load would read one, kcell another; refuse rather than guess.
  if (zip.has_member(with_suffix) && zip.has_member(key))
    fail(Status::format, zip.path() + ": holds both members " + key + " and " + with_suffix +
                             "; it is ambiguous which is the array (keep one)");
  if (zip.has_member(with_suffix)) return with_suffix;
  if (zip.has_member(key)) return key;
  return {};
}

struct SplitHeaders {
  std::string images_member, labels_member;  // both empty: the split is absent
  io::NpyHeader images, labels;
  ImageStackShape shape;
  int label_width = 1;  // L > 1: multi-label
  bool present() const { return !images_member.empty(); }
};

// Any of the three splits may be absent (a file of test images only, or of train and val),
// but a split is its images and labels together, and at least one split must be there.
void find_split_members(const io::ZipArchive& zip, std::array<SplitHeaders, 3>& headers) {
  bool any = false;
  for (SplitId id : kSplits) {
    SplitHeaders& h = headers[static_cast<size_t>(id)];
    const std::string split = split_name(id);
    h.images_member = member_name(zip, split + "_images");
    h.labels_member = member_name(zip, split + "_labels");
    if (h.images_member.empty() != h.labels_member.empty()) {
      fail(Status::format,
           zip.path() + ": missing member " + split +
               (h.images_member.empty() ? "_images" : "_labels") + ".npy (the " + split +
               " split has " +
               (h.images_member.empty() ? "labels but no images" : "images but no labels") + ")");
    }
    any = any || h.present();
  }
  if (!any) {
    fail(Status::format, zip.path() +
                             ": no split found (a MedMNIST .npz has train_images, "
                             "train_labels, val_images, val_labels, test_images and "
                             "test_labels, or some of these pairs)");
  }
}

io::NpyHeader peek_header(io::ZipArchive& zip, const std::string& member, uint64_t max_bytes) {
  auto source = zip.open_member(member);
  io::NpyHeader header = io::read_npy_header(*source);
  check_payload_size(*source, header, max_bytes);
  return header;
}

// The archive is read twice; a file rewritten in between must not slip past the checks.
void require_unchanged(const io::NpyHeader& now, const io::NpyHeader& before,
                       const std::string& where) {
  if (now.shape != before.shape || now.dtype.descr != before.dtype.descr ||
      now.fortran_order != before.fortran_order)
    fail(Status::io, where + ": the file changed while it was being read");
}

}  // namespace

Dataset read_medmnist_npz(const std::string& path, const OpenOptions& options) {
  io::ZipArchive zip(path);

  // Pass 1: every header, so a bad file is refused before anything large is allocated.
  std::array<SplitHeaders, 3> headers;
  find_split_members(zip, headers);
  const SplitHeaders* first_present = nullptr;
  for (SplitId id : kSplits) {
    SplitHeaders& h = headers[static_cast<size_t>(id)];
    if (!h.present()) continue;
    const std::string images_where = path + ": member " + h.images_member;
    const std::string labels_where = path + ": member " + h.labels_member;
    h.images = peek_header(zip, h.images_member, options.max_bytes);
    h.shape = image_stack_shape(h.images, images_where);
    h.labels = peek_header(zip, h.labels_member, options.max_bytes);
    const LabelArrayShape labels = label_array_shape(h.labels, labels_where);
    if (labels.count != h.shape.count) {
      fail(Status::format, labels_where + ": " + std::to_string(labels.count) + " labels for " +
                               std::to_string(h.shape.count) + " images in " + h.images_member);
    }
    h.label_width = labels.width;
    if (first_present == nullptr) first_present = &h;
    const ImageStackShape& first = first_present->shape;
    if (h.shape.channels != first.channels || h.shape.height != first.height ||
        h.shape.width != first.width) {
      fail(Status::format, images_where + ": images of shape " + io::shape_string(h.images.shape) +
                               " do not match " + first_present->images_member + " of shape " +
                               io::shape_string(first_present->images.shape));
    }
  }

  // Pass 2: the data, each array straight into its final place. Inflating is most of the
  // time, so the (up to six) members inflate in parallel, the largest first, each thread through
  // a handle of its own on the archive.
  Dataset dataset;
  dataset.channels = first_present->shape.channels;
  dataset.height = first_present->shape.height;
  dataset.width = first_present->shape.width;
  std::array<std::string, 3> label_sources;
  struct Member {
    SplitId id;
    bool images;
    uint64_t bytes;
  };
  std::vector<Member> members;
  for (SplitId id : kSplits) {
    const SplitHeaders& h = headers[static_cast<size_t>(id)];
    if (!h.present()) continue;
    label_sources[static_cast<size_t>(id)] = path + ": member " + h.labels_member;
    dataset.split(id).count = static_cast<size_t>(h.shape.count);
    dataset.split(id).label_width = h.label_width;
    // (N, L) labels make the task multi-label; settle_class_count checks that every split
    // agrees and that each label is 0 or 1.
    if (h.label_width > 1) dataset.task = TaskKind::multi_label;
    members.push_back({id, true, h.images.payload_bytes});
    members.push_back({id, false, h.labels.payload_bytes});
  }
  std::stable_sort(members.begin(), members.end(),
                   [](const Member& a, const Member& b) { return a.bytes > b.bytes; });
  std::mutex error_mutex;
  std::exception_ptr error;
  const int threads = std::min(omp_get_max_threads(), static_cast<int>(members.size()));
#pragma omp parallel num_threads(threads)
  {
    std::optional<io::ZipArchive> mine;
#pragma omp for schedule(dynamic, 1)
    for (size_t i = 0; i < members.size(); ++i) {
      try {
        {
          std::lock_guard<std::mutex> lock(error_mutex);
          if (error) continue;
        }
        if (!mine) mine.emplace(path);
        const Member& m = members[i];
        const SplitHeaders& h = headers[static_cast<size_t>(m.id)];
        Split& split = dataset.split(m.id);
        auto source = mine->open_member(m.images ? h.images_member : h.labels_member);
        io::NpyHeader header = io::read_npy_header(*source);
        require_unchanged(header, m.images ? h.images : h.labels, source->name());
        if (m.images)
          split.images = read_image_payload(*source, header, h.shape, options.max_bytes);
        else
          split.labels = read_label_payload(*source, header, options.max_bytes);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
      }
    }
  }
  if (error) std::rethrow_exception(error);
  settle_class_count(dataset, options.num_classes, label_sources);
  return dataset;
}

}  // namespace kcell::data
