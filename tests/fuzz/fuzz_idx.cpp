// Fuzzes the IDX readers (plain or gzip): a single image file, or, when the input holds
// the separator below, an MNIST-style folder of four files cut from it in the order
// train images, train labels, test images, test labels.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "data/dataset.hpp"
#include "data/idx_folder.hpp"
#include "fuzz_support.hpp"

using kcell::Status;
using namespace kcell::data;
using kcell::fuzz::bug;

namespace {

constexpr char kSeparator[] = "--KCELL-IDX--";

void check_dataset(const Dataset& d) {
  for (const Split& s : d.splits) {
    if (s.images.size() != s.count * d.image_bytes() || s.labels.size() != s.count)
      bug("a split's sizes disagree with its count");
    for (int32_t y : s.labels)
      if (y != -1 && (y < 0 || y >= d.num_classes)) bug("a label outside [0, num_classes)");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  OpenOptions options;
  options.max_bytes = kcell::fuzz::kMaxBytes;
  if (input.find(kSeparator) == std::string::npos) {
    const std::string path = kcell::fuzz::scratch_file("input.idx", data, size);
    kcell::fuzz::rejects_cleanly({Status::format, Status::limit},
                                 [&] { check_dataset(read_idx_image_file(path, options)); });
    return 0;
  }
  static const char* const names[] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                      "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
  std::string folder;
  size_t start = 0;
  for (int i = 0; i < 4; ++i) {
    size_t end = input.find(kSeparator, start);
    if (end == std::string::npos || i == 3) end = input.size();
    const std::string part = start < input.size() ? input.substr(start, end - start) : "";
    const std::string path = kcell::fuzz::scratch_file(
        names[i], reinterpret_cast<const uint8_t*>(part.data()), part.size());
    folder = path.substr(0, path.rfind('/'));
    start = end + sizeof kSeparator - 1;
  }
  kcell::fuzz::rejects_cleanly({Status::format, Status::limit},
                               [&] { check_dataset(read_idx_folder(folder, options)); });
  return 0;
}
