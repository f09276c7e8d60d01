// Fuzzes the .npy reader: the header (magic, version, dictionary, overflow-checked sizes)
// and the payload of image stacks and label vectors, from memory; gzip input goes through
// the file reader, which decompresses it.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "data/dataset.hpp"
#include "data/npy_arrays.hpp"
#include "data/npy_stack.hpp"
#include "fuzz_support.hpp"
#include "io/memory_source.hpp"
#include "io/npy_header.hpp"

using kcell::Status;
using namespace kcell::data;
using namespace kcell::io;
using kcell::fuzz::bug;
using kcell::fuzz::rejects_cleanly;

namespace {

// What a parsed header promises: the element count is the shape's product and the payload
// its bytes, without overflow.
void check_header(const NpyHeader& h) {
  uint64_t product = 1;
  for (uint64_t d : h.shape)
    if (__builtin_mul_overflow(product, d, &product)) bug("a shape that overflows was accepted");
  if (product != h.element_count) bug("element_count is not the shape's product");
  uint64_t bytes = 0;
  if (__builtin_mul_overflow(product, static_cast<uint64_t>(h.dtype.item_size), &bytes) ||
      bytes != h.payload_bytes)
    bug("payload_bytes is not element_count x item size");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b) {
    const std::string path = kcell::fuzz::scratch_file("input.npy.gz", data, size);
    OpenOptions options;
    options.max_bytes = kcell::fuzz::kMaxBytes;
    rejects_cleanly({Status::format, Status::limit}, [&] {
      const Dataset d = read_npy_stack(path, options);
      const Split& test = d.split(SplitId::test);
      if (test.images.size() != test.count * d.image_bytes() || test.labels.size() != test.count)
        bug("a stack's sizes disagree with its count");
    });
    return 0;
  }
  rejects_cleanly({Status::format, Status::limit}, [&] {
    MemorySource source(data, size, "<input>");
    const NpyHeader header = read_npy_header(source);
    check_header(header);
    const ImageStackShape shape = image_stack_shape(header, source.name());
    const std::vector<uint8_t> pixels =
        read_image_payload(source, header, shape, kcell::fuzz::kMaxBytes);
    if (pixels.size() != shape.count * shape.image_bytes())
      bug("image payload size differs from count x image bytes");
  });
  rejects_cleanly({Status::format, Status::limit}, [&] {
    MemorySource source(data, size, "<input>");
    const NpyHeader header = read_npy_header(source);
    const LabelArrayShape shape = label_array_shape(header, source.name());
    const std::vector<int32_t> labels = read_label_payload(source, header, kcell::fuzz::kMaxBytes);
    if (labels.size() != shape.count * static_cast<uint64_t>(shape.width))
      bug("label payload size differs from the label count");
    for (int32_t y : labels)
      if (y < 0) bug("a negative label was accepted");
  });
  return 0;
}
