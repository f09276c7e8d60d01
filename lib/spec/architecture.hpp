// An architecture as a sequence of layer specs, parsed from text or taken from a preset.
#pragma once

#include <string>
#include <vector>

namespace kcell::spec {

enum class LayerKind {
  conv,             // conv(out, kernel[, stride[, pad]]) with bias unless bias=false
  batch_norm,       // bn
  relu,             // relu
  max_pool,         // maxpool(kernel[, stride]) stride defaults to kernel
  avg_pool,         // avgpool(kernel[, stride])
  global_avg_pool,  // gap
  dropout,          // dropout(rate)
  flatten,          // flatten
  dense,            // dense(units) or dense: units = class count
  basic_block,      // res(out[, stride]): ResNet basic block, projection shortcut when needed
};

struct LayerSpec {
  LayerKind kind = LayerKind::relu;
  int out = 0;     // conv / basic_block channels, dense units; 0 on dense: class count
  int kernel = 0;  // conv and pool window
  int stride = 1;
  int pad = -1;      // conv: -1 means kernel / 2 ("same" for odd kernels)
  bool bias = true;  // conv / dense
  float rate = 0.f;  // dropout probability
};

struct Architecture {
  std::string text;  // the canonical spec text
  std::vector<LayerSpec> layers;
};

// Parses a preset name or a spec. Throws kcell::Error(Status::spec) naming the token and
// its position on failure.
Architecture parse_architecture(const std::string& preset_or_spec);

// The spec keyword of a layer kind: "conv", "bn", "res", ...
const char* layer_name(LayerKind kind);

// One layer in canonical spec form, e.g. "conv(64,3,stride=2,bias=false)"; parsing it
// gives the same LayerSpec back. Architecture::text is these joined by single spaces.
std::string layer_text(const LayerSpec& layer);

}  // namespace kcell::spec
