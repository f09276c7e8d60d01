// A model's network as a forward-only graph for inference, made from a snapshot of its
// weights: each batch norm that follows a convolution is folded into it, a ReLU becomes
// part of the step that produces its input, a residual block's shortcut add becomes part
// of its second convolution, and dropout (the identity at inference) disappears.
// Immutable once built; every inference context of an engine reads it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/model.hpp"
#include "nn/layer.hpp"

namespace kcell::infer {

enum class StepKind { conv, dense, batch_norm, relu, pool, flatten };
enum class PoolKind { max, avg };

struct Step {
  StepKind kind = StepKind::relu;
  std::string name;   // where it came from, e.g. "3.block.conv2" (for messages)
  int input = 0;      // value read
  int output = 0;     // value written
  int residual = -1;  // conv: value added to the result before the ReLU, or -1
  bool relu = false;  // conv, dense, batch_norm: ReLU applied to the result

  // conv: square kernel, equal stride and zero padding on both axes
  int64_t kernel = 0, stride = 1, pad = 0;
  // pool: no padding
  PoolKind pool = PoolKind::max;
  int64_t window_h = 0, window_w = 0, stride_h = 1, stride_w = 1;

  // conv and dense: weights in plain PyTorch order with their dims, folded with any batch
  // norm; bias empty for none. A dense layer has dims (out, C, H, W) over an image input,
  // (out, C) over a flat one or a 1 × 1 image (which it reads as rows of C values).
  std::vector<int64_t> weight_dims;
  std::vector<float> weight, bias;
  // batch_norm that follows no convolution: its parameters and running statistics.
  std::vector<float> scale, shift, mean, var;
  float eps = 0.f;
};

struct InferenceGraph {
  std::vector<nn::Shape> values;  // per-image shape of every value; values[0] is the input
  std::vector<Step> steps;        // in execution order
  int output = 0;                 // the value holding the logits (flat, class count)

  // The last step reading each value (as input or residual), -1 for none.
  std::vector<int> last_readers() const;
};

// The smallest and largest value every graph value took on calibration images (index as
// InferenceGraph::values); what int8 inference quantises with.
struct ValueRanges {
  std::vector<float> lo, hi;
};

// Builds the graph of the model's architecture with its current weights (copied).
InferenceGraph build_inference_graph(model::Model& model);

}  // namespace kcell::infer
