// Shape inference for an architecture without building it: each layer's output shape,
// parameter count and forward FLOPs, like Keras' model.summary(). Needs no oneDNN.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "spec/architecture.hpp"

namespace kcell::spec {

// A per-image tensor shape. flat: a feature vector of `channels` values (after flatten or
// dense; height = width = 1), as opposed to a channels × height × width map.
struct Shape {
  int64_t channels = 0, height = 0, width = 0;
  bool flat = false;
};

std::string shape_text(const Shape& shape);  // "32x28x28", or "256" when flat

struct LayerSummary {
  std::string text;  // the layer in canonical spec form, e.g. "res(128,stride=2)"
  Shape output;
  int64_t params = 0;  // trainable values (batch-norm running statistics excluded)
  int64_t flops = 0;   // per image, inference forward; a multiply-add counts 2
};

struct Summary {
  Shape input;
  int num_classes = 0;
  std::vector<LayerSummary> layers;  // one per Architecture::layers entry
  int64_t total_params = 0;
  int64_t total_flops = 0;
};

// Infers shapes for an input of channels (1 or 3) × height × width (each ≥ 1) and
// num_classes (≥ 2) classes; a bare `dense` gets num_classes units. Throws
// Status::invalid_argument for a bad input shape or class count and Status::spec when the
// architecture does not fit it (a window larger than its input, a map that shrinks to
// nothing, a convolution after flatten, an output that is not one value per class), and
// Status::limit when a count overflows 64 bits. FLOP conventions: docs/architecture.md.
Summary summarize(const Architecture& arch, int channels, int height, int width, int num_classes);

// A fixed-width table of the summary with totals, one layer per line.
std::string format_summary(const Summary& summary);

}  // namespace kcell::spec
