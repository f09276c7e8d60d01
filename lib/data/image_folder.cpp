#include "data/image_folder.hpp"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstring>
#include <exception>
#include <memory>
#include <vector>

#include "common/error.hpp"
#include "data/bulk_buffer.hpp"
#include "data/dataset_build.hpp"
#include "data/label_convert.hpp"
#include "data/png_decode.hpp"

namespace kcell::data {
namespace {

constexpr std::array<SplitId, 3> kSplits = {SplitId::train, SplitId::val, SplitId::test};

// Longest class name kept, as a model's class names allow.
constexpr size_t kMaxClassNameBytes = 256;

enum class Kind { missing, folder, file, other };

// What `path` is, following symbolic links. A link loop (ELOOP) or a dangling link is an
// io error naming `name`: following it cannot lead anywhere.
Kind kind_of(const std::string& path, const std::string& name) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int error = errno;
    if (error == ENOENT && ::lstat(path.c_str(), &st) != 0) return Kind::missing;
    fail(Status::io, name + ": cannot read: " + std::strerror(error) +
                         (error == ELOOP ? " (a symbolic link loop)" : ""));
  }
  if (S_ISDIR(st.st_mode)) return Kind::folder;
  if (S_ISREG(st.st_mode)) return Kind::file;
  return Kind::other;
}

// Counts every entry listed, so a folder of millions of files is refused after at most
// max_files names, before any is opened.
struct Budget {
  uint64_t max_files;
  uint64_t used = 0;
  std::string root;
};

// The sorted names in `path` (without ".", ".." and hidden entries).
std::vector<std::string> list_folder(const std::string& path, const std::string& name,
                                     Budget& budget) {
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(path.c_str()), ::closedir);
  if (!dir) fail(Status::io, name + ": cannot list: " + std::strerror(errno));
  std::vector<std::string> names;
  errno = 0;
  while (const dirent* entry = ::readdir(dir.get())) {
    if (entry->d_name[0] == '.') continue;
    if (++budget.used > budget.max_files) {
      fail(Status::limit, budget.root + ": holds more than " + std::to_string(budget.max_files) +
                              " entries (the max_files limit; raise it to read larger folders)");
    }
    names.emplace_back(entry->d_name);
  }
  if (errno != 0) fail(Status::io, name + ": cannot list: " + std::strerror(errno));
  std::sort(names.begin(), names.end());
  return names;
}

struct ClassFiles {
  std::string name;
  std::vector<std::string> files;  // full paths
};

// The class folders of one split and their files, sorted. Paths are as messages show them.
std::vector<ClassFiles> list_split(const std::string& root, const std::string& split,
                                   Budget& budget) {
  const std::string path = root + "/" + split;
  std::vector<ClassFiles> classes;
  for (const std::string& name : list_folder(path, path, budget)) {
    const std::string shown = path + "/" + name;
    if (kind_of(shown, shown) != Kind::folder) {
      fail(Status::format, shown + ": not a class folder (" + split +
                               "/ holds one folder of PNG images per class)");
    }
    if (name.size() > kMaxClassNameBytes)
      fail(Status::format, shown + ": the class name is longer than 256 bytes");
    for (unsigned char ch : name)
      if (ch < 0x20 || ch == 0x7f)
        fail(Status::format, shown + ": the class name holds a control character");
    ClassFiles cls{name, {}};
    for (const std::string& file : list_folder(shown, shown, budget)) {
      const std::string file_path = shown + "/" + file;
      if (kind_of(file_path, file_path) != Kind::file)
        fail(Status::format, file_path + ": not a PNG file (a class folder holds PNG images only)");
      cls.files.push_back(file_path);
    }
    if (cls.files.empty())
      fail(Status::format, shown + ": the class folder is empty (remove it or add images)");
    classes.push_back(std::move(cls));
  }
  if (classes.empty())
    fail(Status::format, path + ": holds no class folder (expected " + split + "/CLASS/*.png)");
  return classes;
}

// One image to read: where from, where to, with which label.
struct Entry {
  const std::string* path;
  SplitId split;
  size_t index;
  int32_t label;
};

}  // namespace

bool is_image_folder(const std::string& folder) {
  for (SplitId id : kSplits) {
    struct stat st {};
    if (::stat((folder + "/" + split_name(id)).c_str(), &st) == 0 && S_ISDIR(st.st_mode))
      return true;
  }
  return false;
}

Dataset read_image_folder(const std::string& folder, const OpenOptions& options) {
  Budget budget{options.max_files, 0, folder};
  std::array<std::vector<ClassFiles>, 3> listed;
  for (SplitId id : kSplits) {
    const std::string split = split_name(id);
    const std::string path = folder + "/" + split;
    const Kind kind = kind_of(path, path);
    if (kind == Kind::missing) continue;
    if (kind != Kind::folder) fail(Status::format, path + ": not a folder");
    listed[static_cast<size_t>(id)] = list_split(folder, split, budget);
  }
  const auto& train = listed[static_cast<size_t>(SplitId::train)];

  // The class names: train's, or every split's when there is no train.
  Dataset dataset;
  std::vector<std::string>& names = dataset.class_names;
  for (SplitId id : kSplits) {
    if (!train.empty() && id != SplitId::train) continue;
    for (const ClassFiles& cls : listed[static_cast<size_t>(id)]) names.push_back(cls.name);
  }
  if (names.empty())
    fail(Status::format, folder + ": no train/, val/ or test/ folder of class folders");
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  if (names.size() > static_cast<size_t>(kMaxLabel) + 1)
    fail(Status::limit, folder + ": more than " + std::to_string(kMaxLabel + 1) + " classes");
  if (options.num_classes > 0 && static_cast<size_t>(options.num_classes) != names.size()) {
    fail(Status::format, folder + ": " + std::to_string(names.size()) +
                             " class folders, but num_classes is " +
                             std::to_string(options.num_classes));
  }

  // Which file goes where. Without val/, the tail of each training class becomes val.
  const bool carve = listed[static_cast<size_t>(SplitId::val)].empty() && !train.empty();
  std::vector<Entry> entries;
  for (SplitId id : kSplits) {
    for (const ClassFiles& cls : listed[static_cast<size_t>(id)]) {
      const auto found = std::lower_bound(names.begin(), names.end(), cls.name);
      if (found == names.end() || *found != cls.name) {
        fail(Status::format,
             folder + "/" + split_name(id) + "/" + cls.name +
                 ": a class train/ does not have (the classes are train/'s folders)");
      }
      const auto label = static_cast<int32_t>(found - names.begin());
      const size_t n = cls.files.size();
      // At most n - 1: a class keeps at least one training image.
      const size_t to_val =
          carve && id == SplitId::train  // only train's tails; test stays whole
              ? std::min(n - 1, static_cast<size_t>(
                                    std::llround(static_cast<double>(n) * options.val_fraction)))
              : 0;
      for (size_t i = 0; i < n; ++i) {
        const SplitId to = i >= n - to_val ? SplitId::val : id;
        entries.push_back({&cls.files[i], to, dataset.split(to).count++, label});
      }
    }
  }

  // The first image sets the shape; everything is checked against it before pixels are
  // allocated for all.
  const std::string& first = *entries.front().path;
  const PngShape shape = read_png_shape(first);
  dataset.channels = shape.channels;
  dataset.height = shape.height;
  dataset.width = shape.width;
  const size_t image_bytes = dataset.image_bytes();
  for (SplitId id : kSplits) {
    Split& split = dataset.split(id);
    if (split.count == 0) continue;
    size_t bytes = 0;
    if (__builtin_mul_overflow(split.count, image_bytes, &bytes) || bytes > options.max_bytes) {
      fail(Status::limit, folder + ": the " + split_name(id) + " split's " +
                              std::to_string(split.count) + " images of " +
                              std::to_string(image_bytes) +
                              " bytes are more than the max_bytes limit of " +
                              std::to_string(options.max_bytes) + " bytes");
    }
    resize_for_bulk_write(split.images, bytes);
    split.labels.assign(split.count, -1);
  }

  // Decoding is most of the time: in parallel. The error reported is the first file's
  // in reading order, whichever thread met it, so a folder always fails the same way.
  const auto count = static_cast<long long>(entries.size());
  std::vector<std::exception_ptr> errors(entries.size());
#pragma omp parallel for schedule(dynamic, 64)
  for (long long i = 0; i < count; ++i) {
    const Entry& e = entries[static_cast<size_t>(i)];
    Split& split = dataset.split(e.split);
    try {
      decode_png(*e.path, shape, first, split.images.data() + e.index * image_bytes);
      split.labels[e.index] = e.label;
    } catch (...) {
      errors[static_cast<size_t>(i)] = std::current_exception();
    }
  }
  for (const auto& error : errors)
    if (error) std::rethrow_exception(error);
  dataset.num_classes = static_cast<int>(names.size());
  return dataset;
}

}  // namespace kcell::data
