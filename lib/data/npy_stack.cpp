#include "data/npy_stack.hpp"

#include "data/npy_arrays.hpp"
#include "io/file_source.hpp"
#include "io/npy_header.hpp"

namespace kcell::data {

Dataset read_npy_stack(const std::string& path, const OpenOptions& options) {
  auto source = io::open_file_source(path);
  io::NpyHeader header = io::read_npy_header(*source);
  ImageStackShape shape = image_stack_shape(header, source->name());
  Dataset dataset;
  dataset.channels = shape.channels;
  dataset.height = shape.height;
  dataset.width = shape.width;
  dataset.num_classes = 0;
  Split& test = dataset.split(SplitId::test);
  test.images = read_image_payload(*source, header, shape, options.max_bytes);
  test.count = static_cast<size_t>(shape.count);
  test.labels.assign(test.count, -1);
  return dataset;
}

}  // namespace kcell::data
