// Evaluating an ensemble: every member's probabilities over the split, averaged as
// infer/ensemble_predict.hpp averages them, then loss and accuracy of the mean.
#pragma once

#include <vector>

#include "infer/evaluate.hpp"

namespace kcell::infer {

// One member gives evaluate()'s result. Probabilities are always kept (count × k); the
// plain_* numbers come from the mean of the members' probabilities without their decision biases.
Evaluation evaluate_mean(const std::vector<model::Model*>& members, const data::Dataset& dataset,
                         data::SplitId split, int batch_size);

}  // namespace kcell::infer
