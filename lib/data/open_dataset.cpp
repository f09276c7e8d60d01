// open_dataset(): picks the reader for a path from its content.
#include "common/error.hpp"
#include "data/dataset.hpp"
#include "data/dataset_build.hpp"
#include "data/format_detect.hpp"
#include "data/idx_folder.hpp"
#include "data/image_folder.hpp"
#include "data/npy_stack.hpp"
#include "data/npz_reader.hpp"

namespace kcell::data {

Dataset open_dataset(const std::string& path, const OpenOptions& options) {
  check_open_options(options);
  switch (detect_format(path)) {
    case DataFormat::npz:
      return read_medmnist_npz(path, options);
    case DataFormat::npy:
      return read_npy_stack(path, options);
    case DataFormat::idx_images:
      return read_idx_image_file(path, options);
    case DataFormat::idx_folder:
      return read_idx_folder(path, options);
    case DataFormat::image_folder:
      return read_image_folder(path, options);
  }
  fail(Status::internal, path + ": unknown data format");
}

}  // namespace kcell::data
