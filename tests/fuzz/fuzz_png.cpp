// Fuzzes the PNG decoder of image folders: signature, chunks, CRCs, zlib data, every colour
// type and bit depth, and the shape checks (a different size or channel count is refused).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "data/png_decode.hpp"
#include "fuzz_support.hpp"

using kcell::Status;
using namespace kcell::data;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = kcell::fuzz::scratch_file("input.png", data, size);
  kcell::fuzz::rejects_cleanly({Status::format}, [&] {
    const PngShape shape = read_png_shape(path);
    if (shape.channels != 1 && shape.channels != 3) kcell::fuzz::bug("a PNG of odd channels");
    const uint64_t bytes = static_cast<uint64_t>(shape.channels) *
                           static_cast<uint64_t>(shape.height) * static_cast<uint64_t>(shape.width);
    if (bytes > kcell::fuzz::kMaxBytes) return;  // an image folder's max_bytes refuses it
    std::vector<uint8_t> pixels(static_cast<size_t>(bytes));
    decode_png(path, shape, path, pixels.data());
    // The same file against another shape must be refused, never decoded.
    PngShape other = shape;
    other.width += 1;
    kcell::fuzz::rejects_cleanly({Status::format},
                                 [&] { decode_png(path, other, path, pixels.data()); });
  });
  return 0;
}
