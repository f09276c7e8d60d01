// Runs a model in inference mode over a whole labelled split, in batches.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "data/dataset.hpp"
#include "model/model.hpp"

namespace kcell::infer {

// Batch size of validation during training and of kcell_evaluate: the same batches give
// bit-identical numbers, so evaluating the kept model reproduces its recorded epoch.
constexpr int kEvaluationBatchSize = 128;

struct Evaluation {
  size_t count = 0;
  // Mean softmax cross-entropy (unweighted, no smoothing); multi-label: mean binary
  // cross-entropy over every (image, label).
  double loss = 0.0;
  // Fraction whose first largest probability is the label; multi-label: fraction of
  // (image, label) pairs whose probability is on the label's side of 0.5 (MedMNIST's ACC).
  double accuracy = 0.0;
  // The same without the model's decision bias (plain argmax); equal to accuracy without one.
  double plain_accuracy = 0.0;
  std::vector<float> probabilities;  // count × classes, only when asked for
  // Without the decision bias; only when asked for and the model has one.
  std::vector<float> plain_probabilities;
  // count labels (multi-label: count × L), only when probabilities or logits are kept
  std::vector<int32_t> labels;
  // count × classes logits after test-time augmentation, before the temperature and the
  // decision bias (what temperature scaling fits), only when asked for.
  std::vector<float> logits;
};

// Checks the split (see check_split_fits) and evaluates it in order, with the model's
// decision bias added to the logits (and without, for plain_*), under the model's
// test-time augmentation or `tta` when given (as predict(): the bias applies to the mean of
// the views' probabilities, and the loss is that of the result). keep_probabilities also
// returns every softmax row (for metrics such as AUC). The model's temperature divides the
// logits before the bias, as in predict(); keep_logits also returns them undivided.
Evaluation evaluate(model::Model& model, const data::Dataset& dataset, data::SplitId split,
                    int batch_size, bool keep_probabilities = false,
                    std::optional<model::Tta> tta = std::nullopt, bool keep_logits = false);

}  // namespace kcell::infer
