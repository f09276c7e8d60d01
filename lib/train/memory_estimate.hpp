// How much memory training a model needs, besides the dataset's pixels: an estimate from
// the architecture's shapes, so `kcell info` can say it before any memory is spent.
#pragma once

#include <cstdint>

#include "model/model.hpp"

namespace kcell::train {

struct MemoryEstimate {
  uint64_t parameters = 0;   // weights, gradients, optimiser state and the trainer's copies
  uint64_t activations = 0;  // one training batch's activations and their gradients, and
                             // validation's inference batch
  uint64_t runtime = 0;      // the fixed part: code, oneDNN's kernels and pools, buffers
  uint64_t total() const { return parameters + activations + runtime; }
};

// The estimate for training `model` with batches of `batch_size` images (float32; bf16
// training needs less). Throws invalid_argument for a batch size below 1. The accuracy
// against measured peak memory is in docs/data-formats.md.
MemoryEstimate estimate_training_memory(const model::Model& model, int batch_size);

}  // namespace kcell::train
