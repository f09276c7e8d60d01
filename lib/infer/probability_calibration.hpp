// Calibrates a trained model's probabilities on a labelled split (the validation split):
// its temperature, its decision bias refitted under that temperature, and optionally its
// conformal prediction sets. docs/calibration.md gives the order and the reasons.
#pragma once

#include <cstddef>
#include <optional>

#include "data/dataset.hpp"
#include "model/model.hpp"

namespace kcell::infer {

// What a calibration did, measured on the split it was fitted on.
struct CalibrationFit {
  size_t count = 0;                 // rows of the split
  double temperature_before = 1.0;  // the model's before
  double temperature = 1.0;         // fitted
  double nll_before = 0.0, nll = 0.0;
  double ece_before = 0.0, ece = 0.0;
  bool bias_refitted = false;  // the decision bias was refitted with the temperature
  std::optional<model::Conformal> conformal;
};

// The probabilities of prediction are softmax(z / T + b): z the logits after test-time
// augmentation (the log of the views' mean probabilities), T the temperature, b the
// decision bias. This fits T by minimising the split's negative log-likelihood:
//   - no bias: T alone;
//   - a bias set by the user: T with the bias held;
//   - a bias fitted on validation (validation_priors or balanced): the loss is convex in
//     (1 / T, b) jointly, so T and the validation-prior bias are fitted by turns until
//     they settle (the bias fit is training's, infer/decision_bias.hpp); a balanced rule
//     then moves that bias to equal priors by Bayes' rule, as training does.
// Then, with alpha, the LAC quantile of the calibrated probabilities (infer/conformal.hpp);
// without, the model's conformal calibration is removed (it belonged to the old
// probabilities). Throws invalid_argument for alpha outside (0, 1) or a split that does
// not fit the model, not_finite when the model gives non-finite logits on the split.
CalibrationFit calibrate_probabilities(model::Model& model, const data::Dataset& dataset,
                                       data::SplitId split, std::optional<double> alpha);

}  // namespace kcell::infer
