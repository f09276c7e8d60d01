// Named architectures: a preset name stands for a fixed spec (written out in
// docs/architecture.md).
#pragma once

#include <string>
#include <vector>

namespace kcell::spec {

struct Preset {
  const char* name;
  const char* spec;         // in the grammar parse_architecture() reads
  const char* description;  // one line, for listings
};

// Every preset, in a stable order: reference, resnet18, lenet5.
const std::vector<Preset>& presets();

// The preset called name (exact, lower-case match), or nullptr.
const Preset* find_preset(const std::string& name);

}  // namespace kcell::spec
