#include "train/memory_estimate.hpp"

#include <algorithm>

#include "common/error.hpp"
#include "infer/evaluate.hpp"
#include "spec/summary.hpp"

namespace kcell::train {
namespace {

// Float copies of every parameter while training: the weights, their gradients, Adam's two
// moments, the two states LastGoodState keeps, the best epoch's weights (model selection)
// and the weight average.
constexpr uint64_t kParameterCopies = 8;

// Float tensors per image that a layer keeps per output value while training: about one
// (its output; gradients mostly reuse buffers in place, relu and batch norm share them), a
// residual block about four (two convolutions, the sum, the shortcut). Calibrated against
// measured peaks (docs/data-formats.md).
uint64_t kept_per_output(spec::LayerKind kind) {
  return kind == spec::LayerKind::basic_block ? 4 : 1;
}

// What a process training a small model holds regardless of the model: kcell's and
// oneDNN's code, oneDNN's JIT kernels, OpenMP's threads and the C library's arenas
// (measured: docs/data-formats.md).
constexpr uint64_t kRuntimeBytes = uint64_t{32} << 20;

}  // namespace

MemoryEstimate estimate_training_memory(const model::Model& model, int batch_size) {
  if (batch_size < 1)
    fail(Status::invalid_argument,
         "batch size must be 1 or more, got " + std::to_string(batch_size));
  const spec::Architecture& arch = model.architecture();
  const spec::Summary summary =
      spec::summarize(arch, model.channels(), model.height(), model.width(), model.num_classes());
  MemoryEstimate e;
  e.parameters = static_cast<uint64_t>(summary.total_params) * kParameterCopies * sizeof(float);
  const auto input = static_cast<uint64_t>(model.channels()) *
                     static_cast<uint64_t>(model.height()) * static_cast<uint64_t>(model.width());
  // The batch as floats, then every layer's kept tensors.
  uint64_t per_image = input;
  uint64_t widest = input;
  for (size_t i = 0; i < summary.layers.size(); ++i) {
    const spec::Shape& s = summary.layers[i].output;
    const auto values = static_cast<uint64_t>(s.channels * s.height * s.width);
    per_image += kept_per_output(arch.layers[i].kind) * values;
    widest = std::max(widest, values);
  }
  // Validation runs the inference engine on its own batches, two activations at a time.
  const uint64_t validation = static_cast<uint64_t>(infer::kEvaluationBatchSize) * 2 * widest;
  e.activations = (static_cast<uint64_t>(batch_size) * per_image + validation) * sizeof(float);
  e.runtime = kRuntimeBytes;
  return e;
}

}  // namespace kcell::train
