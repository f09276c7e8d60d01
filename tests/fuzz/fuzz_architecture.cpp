// Fuzzes the architecture spec parser and shape inference: any text is an architecture or
// a spec error naming the token; an architecture's canonical text parses back to itself;
// shape inference answers for every architecture without overflowing.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.hpp"
#include "spec/architecture.hpp"
#include "spec/summary.hpp"

using kcell::Status;
using namespace kcell::spec;
using kcell::fuzz::bug;
using kcell::fuzz::rejects_cleanly;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  Architecture arch;
  if (rejects_cleanly({Status::spec}, [&] { arch = parse_architecture(text); })) return 0;
  Architecture again;
  if (rejects_cleanly({Status::spec}, [&] { again = parse_architecture(arch.text); }))
    bug("canonical text does not parse: " + arch.text);
  if (again.text != arch.text || again.layers.size() != arch.layers.size())
    bug("canonical text does not parse back to itself: " + arch.text);
  for (size_t i = 0; i < arch.layers.size(); ++i)
    if (layer_text(arch.layers[i]) != layer_text(again.layers[i]))
      bug("layer " + std::to_string(i) + " changes through its canonical text");
  const int shapes[][4] = {{1, 28, 28, 8}, {3, 64, 64, 2}, {1, 1, 1, 2}};
  for (const auto& s : shapes)
    rejects_cleanly({Status::spec, Status::limit}, [&] {
      const Summary summary = summarize(arch, s[0], s[1], s[2], s[3]);
      if (summary.layers.size() != arch.layers.size()) bug("a summary lost layers");
      if (summary.total_params < 0 || summary.total_flops < 0) bug("negative totals");
    });
  return 0;
}
