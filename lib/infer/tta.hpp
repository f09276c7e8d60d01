// Test-time augmentation (model::Tta): which views of each image prediction and
// evaluation run, and how their answers combine. Flips and quarter turns commute with the
// per-channel input normalisation, so the views are made from the normalised floats.
#pragma once

#include <cstddef>
#include <vector>

#include "data/augment.hpp"
#include "infer/inference_context.hpp"
#include "infer/inference_engine.hpp"
#include "model/model.hpp"

namespace kcell::infer {

// The set training with `augment` prepares a model for: the largest one whose every view
// the augmentation can produce. Flips and quarter turns drawn together give every
// combination, so on square images a flip (either) with rot90 gives dihedral; hflip with
// vflip, or a flip with rot90 on non-square images (which turn by 180 degrees only, the
// two flips at once), gives flips4; hflip alone gives flips; anything else (vflip or
// rot90 alone) none.
model::Tta tta_for_augmentation(const data::AugmentOptions& augment, int height, int width);

// Writes view `view` (0 .. tta_views(tta) - 1; view 0 is the image itself) of n c×h×w
// images `src` to `dst` (which must not overlap it). Bit 0 of `view` is a left-right
// flip; the bits above are an up-down flip (flips4) or a number of quarter turns
// (dihedral).
void tta_view(model::Tta tta, int view, const float* src, size_t n, int c, int h, int w,
              float* dst);

// Scratch of tta_logits, kept by the caller between chunks.
struct TtaWork {
  std::vector<float> view;    // n images of one view
  std::vector<double> sum;    // n × k summed probabilities
  std::vector<float> probs;   // n × k probabilities of one view
  std::vector<float> logits;  // the result
};

// Logits of n normalised images through `ctx` (a context for at least n images) under
// `tta`: the plain logits with one view; with more, the logarithm of the mean over the
// views of their softmax probabilities (floored at 1e-30 as fit_decision_bias floors
// them), which softmax, the decision bias and argmax then take as they take logits, so a
// bias fitted on these means keeps its meaning. A multi-label model's views average their
// sigmoid probabilities label by label, and the result is the logit of each mean
// (log p - log(1 - p), p kept in [1e-30, 1 - 1e-16]), whose sigmoid is that mean. Every
// view runs as one batch. The result
// is valid until the next call with `ctx` or `work`.
const float* tta_logits(InferenceContext& ctx, const float* images, size_t n,
                        const model::Model& model, model::Tta tta, TtaWork& work);

// The same for any number of images, chunk by chunk through `engine` (which must be the
// model's), into n × k `out`.
void tta_logits(InferenceEngine& engine, const float* images, size_t n, const model::Model& model,
                model::Tta tta, float* out);

}  // namespace kcell::infer
