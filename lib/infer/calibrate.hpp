// int8 calibration from a dataset split: the ranges the model's activations take on its
// images (infer/model_engine.hpp), for KCELL_PRECISION_INT8 inference.
#pragma once

#include <cstddef>

#include "data/dataset.hpp"
#include "model/model.hpp"

namespace kcell::infer {

// Calibrates on the first max_images images of the split (all of them for 0), normalised
// as the model normalises its input.
void calibrate_int8(model::Model& model, const data::Dataset& dataset, data::SplitId id,
                    size_t max_images);

}  // namespace kcell::infer
