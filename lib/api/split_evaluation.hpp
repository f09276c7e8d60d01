// One pass over a labelled split, shared by kcell_evaluate, kcell_evaluate_details,
// kcell_evaluate_calibration and kcell_evaluate_full: the probabilities are computed once
// (with test-time augmentation that is most of the cost) and every number is derived
// from them, so asking for metrics and calibration together costs one pass, not two.
#pragma once

#include <cstddef>
#include <vector>

#include "api/handles.hpp"
#include "infer/calibration_metrics.hpp"
#include "infer/evaluate.hpp"
#include "infer/metrics.hpp"
#include "kcell/kcell.h"

namespace kcell::api {

struct SplitEvaluation {
  infer::Evaluation run;                  // loss, accuracy and (when kept) probabilities
  infer::Metrics metrics;                 // balanced accuracy, AUC, per class (NaN without)
  infer::CalibrationMetrics calibration;  // ECE, NLL, Brier (NaN without, or multi-label)
  double plain_balanced_accuracy = 0.0;   // by plain argmax
};

// Evaluates `split` (read with checked_split) with the threads set for the call.
// `keep_probabilities` computes every metric that needs all the probability rows; without
// it only loss and accuracies are known (kcell_evaluate for over 4096 classes).
SplitEvaluation evaluate_split(const kcell_model& model, const data::Dataset& dataset,
                               data::SplitId split, bool keep_probabilities);

// The summary fields a caller's kcell_metrics of `size` bytes has room for.
void write_metrics(const SplitEvaluation& s, kcell_metrics* out, size_t size);

// The calibration record of probabilities (temperature 1, no conformal fields).
kcell_calibration calibration_record(const infer::CalibrationMetrics& m, size_t count);

// The calibration record of a model's evaluation, with its temperature and, for a single
// model with a conformal calibration, the prediction sets' coverage; `class_coverage`
// receives one value per class (NaN without conformal sets). Needs kept probabilities.
kcell_calibration model_calibration_record(const kcell_model& model, const SplitEvaluation& s,
                                           std::vector<double>& class_coverage);

}  // namespace kcell::api
