// A model's full evaluation on one labelled split: summary metrics, per-class metrics and
// the confusion matrix, with the model's class names.
#pragma once

#include <kcell/kcell.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace kcell_cli {

struct Evaluation {
  kcell_split split = KCELL_SPLIT_TEST;
  kcell_metrics metrics{};
  std::vector<kcell_class_metrics> per_class;
  std::vector<uint64_t> confusion;  // k × k, row = true class, column = predicted; empty
                                    // for a multi-label model
  bool multi_label = false;         // per_class then has one record per label
  std::vector<std::string> class_names;
  std::string precision = "fp32";  // inference arithmetic the numbers came from
  // The model's decision bias (empty: plain argmax); metrics.argmax_* are without it.
  std::vector<float> decision_bias;
  kcell_decision decision_rule = KCELL_DECISION_ARGMAX;
  kcell_tta tta = KCELL_TTA_NONE;  // test-time augmentation the numbers came from
  // Calibration (ECE bins, risk-coverage, the model's temperature and conformal sets) and
  // per-class conformal coverage (NaN without conformal sets).
  kcell_calibration calibration{};
  std::vector<double> class_coverage;

  bool has_conformal() const { return calibration.conformal_alpha == calibration.conformal_alpha; }

  size_t classes() const { return per_class.size(); }
  uint64_t cell(size_t truth, size_t predicted) const {
    return confusion[truth * classes() + predicted];
  }
};

// "argmax", "validation_priors", "balanced", "given" (the JSON and report spelling).
const char* decision_rule_name(kcell_decision rule);
// A phrase for the console: "class bias fitted to the validation priors", ...
const char* decision_rule_text(kcell_decision rule);

// Evaluates `model` on `split` of `dataset`; `where` prefixes error messages. Throws
// Failure if the split is absent or unlabelled, or kcell reports a problem.
Evaluation evaluate_split(const kcell::Model& model, const kcell::Dataset& dataset,
                          kcell_split split, const std::string& where);

// Prints the summary line ("test: N images  loss ...  TTA dihedral (8 views)"), a
// per-class table and the confusion matrix (multi-label: a per-label table of precision,
// recall, F1, AUC and positives).
void print_evaluation(const Evaluation& e, bool per_class_table);

}  // namespace kcell_cli
