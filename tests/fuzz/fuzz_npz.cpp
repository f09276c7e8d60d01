// Fuzzes the MedMNIST .npz reader: zip directory and members (stored and deflated, CRCs,
// declared against real sizes), six .npy headers and payloads, and their agreement.
#include <cstddef>
#include <cstdint>

#include "data/dataset.hpp"
#include "data/npz_reader.hpp"
#include "fuzz_support.hpp"

using kcell::Status;
using namespace kcell::data;
using kcell::fuzz::bug;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = kcell::fuzz::scratch_file("input.npz", data, size);
  OpenOptions options;
  options.max_bytes = kcell::fuzz::kMaxBytes;
  kcell::fuzz::rejects_cleanly({Status::format, Status::limit}, [&] {
    const Dataset d = read_medmnist_npz(path, options);
    if (d.num_classes < 1) bug("a labelled dataset without classes");
    for (const Split& s : d.splits) {
      if (s.images.size() != s.count * d.image_bytes() || s.labels.size() != s.count)
        bug("a split's sizes disagree with its count");
      for (int32_t y : s.labels)
        if (y < 0 || y >= d.num_classes) bug("a label outside [0, num_classes) was accepted");
    }
  });
  return 0;
}
