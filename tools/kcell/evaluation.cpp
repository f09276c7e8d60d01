#include "evaluation.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <utility>

#include "class_names.hpp"
#include "common.hpp"
#include "tta_option.hpp"

namespace kcell_cli {

Evaluation evaluate_split(const kcell::Model& model, const kcell::Dataset& dataset,
                          kcell_split split, const std::string& where) {
  const size_t count = in_context(where, [&] { return dataset.count(split); });
  const int dataset_classes = in_context(where, [&] { return dataset.num_classes(); });
  if (count == 0) throw Failure(where + ": has no " + split_name(split) + " split");
  if (dataset_classes == 0)
    throw Failure(where + ": has no labels to evaluate against (use kcell predict)");

  Evaluation e;
  e.split = split;
  e.class_names = model_class_names(model);
  // One pass gives the metrics and the calibration numbers (with test-time augmentation
  // the pass is most of the report's time).
  kcell::FullEvaluation full = in_context(std::string(split_name(split)) + " evaluation failed",
                                          [&] { return model.evaluate_full(dataset, split); });
  kcell::EvaluationDetails& details = full.details;
  e.metrics = details.metrics;
  e.per_class = std::move(details.per_class);
  e.confusion = std::move(details.confusion);
  e.decision_bias = in_context(where, [&] { return model.decision_bias(); });
  e.decision_rule = in_context(where, [&] { return model.decision_rule(); });
  e.tta = in_context(where, [&] { return model.tta(); });
  e.multi_label = in_context(where, [&] { return model.task(); }) == KCELL_TASK_MULTI_LABEL;
  if (e.multi_label) {  // calibration metrics are softmax ones: NaN
    e.calibration.temperature = 1.0;
    e.calibration.conformal_alpha = std::numeric_limits<double>::quiet_NaN();
    return e;
  }
  e.calibration = full.calibration.calibration;
  e.class_coverage = std::move(full.calibration.class_coverage);
  return e;
}

const char* decision_rule_name(kcell_decision rule) {
  switch (rule) {
    case KCELL_DECISION_VALIDATION_PRIORS:
      return "validation_priors";
    case KCELL_DECISION_BALANCED:
      return "balanced";
    case KCELL_DECISION_GIVEN:
      return "given";
    default:
      return "argmax";
  }
}

const char* decision_rule_text(kcell_decision rule) {
  switch (rule) {
    case KCELL_DECISION_VALIDATION_PRIORS:
      return "class bias fitted to the validation priors";
    case KCELL_DECISION_BALANCED:
      return "class bias fitted on validation for equal priors";
    case KCELL_DECISION_GIVEN:
      return "class bias set by the user";
    default:
      return "plain argmax";
  }
}

namespace {

// A multi-label model's numbers (MedMNIST's ACC and AUC, per label).
void print_multi_label(const Evaluation& e, bool per_label_table) {
  const char* split = split_name(e.split);
  const kcell_metrics& m = e.metrics;
  std::printf(
      "%s: %zu images  %zu labels  loss %.4f  accuracy %.4f  balanced accuracy %.4f  AUC %.4f  "
      "TTA %s\n",
      split, m.count, e.classes(), m.loss, m.accuracy, m.balanced_accuracy, m.auc,
      tta_text(e.tta).c_str());
  std::printf("%s AUC per label:", split);
  for (const auto& c : e.per_class) std::printf(" %.3f", c.auc);
  std::printf("\n");
  if (!per_label_table) return;
  const int name_width = 30;
  std::printf("  %-3s %-*s %9s %7s %7s %7s %9s %9s\n", "#", name_width, "label (p > 0.5)",
              "precision", "recall", "f1", "auc", "positives", "predicted");
  for (size_t c = 0; c < e.classes(); ++c) {
    std::string name = e.class_names[c];
    if (name.size() > static_cast<size_t>(name_width))
      name = name.substr(0, name_width - 3) + "...";
    const kcell_class_metrics& pc = e.per_class[c];
    std::printf("  %-3zu %-*s %9.3f %7.3f %7.3f %7.3f %9lld %9lld\n", c, name_width, name.c_str(),
                pc.precision, pc.recall, pc.f1, pc.auc, static_cast<long long>(pc.support),
                static_cast<long long>(pc.predicted));
  }
}

}  // namespace

void print_evaluation(const Evaluation& e, bool per_class_table) {
  if (e.multi_label) {
    print_multi_label(e, per_class_table);
    return;
  }
  const char* split = split_name(e.split);
  const kcell_metrics& m = e.metrics;
  std::printf(
      "%s: %zu images  loss %.4f  accuracy %.4f  balanced accuracy %.4f  AUC %.4f  TTA %s\n", split,
      m.count, m.loss, m.accuracy, m.balanced_accuracy, m.auc, tta_text(e.tta).c_str());
  if (!e.decision_bias.empty()) {
    std::printf("%s decision: %s (", split, decision_rule_text(e.decision_rule));
    for (size_t c = 0; c < e.decision_bias.size(); ++c)
      std::printf("%s%+.3f", c ? " " : "", e.decision_bias[c]);
    std::printf("); plain argmax: accuracy %.4f  balanced accuracy %.4f\n", m.argmax_accuracy,
                m.argmax_balanced_accuracy);
  }
  const kcell_calibration& cal = e.calibration;
  std::printf(
      "%s calibration: ECE %.4f  classwise ECE %.4f  NLL %.4f  Brier %.4f  temperature %.3f\n",
      split, m.ece, m.classwise_ece, m.nll, m.brier, cal.temperature);
  if (e.has_conformal()) {
    std::printf(
        "%s conformal sets (alpha %.3g): coverage %.4f  mean set size %.3f  empty sets %lld\n",
        split, cal.conformal_alpha, cal.conformal_coverage, cal.conformal_mean_set_size,
        static_cast<long long>(cal.conformal_empty_sets));
    std::printf("%s coverage per class:", split);
    for (double v : e.class_coverage) std::printf(" %.3f", v);
    std::printf("\n");
  }
  std::printf("%s answering the most confident:", split);
  for (int j : {9, 14, 17, 19}) {  // 50 %, 75 %, 90 %, 100 % of the images
    const kcell_risk_coverage_point& p = cal.risk_coverage[j];
    std::printf(" %.0f%% -> accuracy %.4f (p >= %.3f)%s", 100 * p.coverage, p.accuracy, p.threshold,
                j == 19 ? "" : ",");
  }
  std::printf("\n");
  std::printf("%s recall per class:", split);
  for (const auto& c : e.per_class) std::printf(" %.3f", c.recall);
  std::printf("\n");
  if (!per_class_table) return;

  const size_t k = e.classes();
  const int name_width = 30;
  std::printf("  %-3s %-*s %9s %7s %7s %8s\n", "#", name_width, "class", "precision", "recall",
              "f1", "support");
  for (size_t c = 0; c < k; ++c) {
    std::string name = e.class_names[c];
    if (name.size() > static_cast<size_t>(name_width))
      name = name.substr(0, name_width - 3) + "...";
    const kcell_class_metrics& pc = e.per_class[c];
    std::printf("  %-3zu %-*s %9.3f %7.3f %7.3f %8lld\n", c, name_width, name.c_str(), pc.precision,
                pc.recall, pc.f1, static_cast<long long>(pc.support));
  }
  // Column width from the largest count, so big splits stay aligned.
  uint64_t largest = 0;
  for (uint64_t n : e.confusion) largest = std::max(largest, n);
  const int width = std::max(4, static_cast<int>(std::to_string(largest).size()) + 1);
  std::printf("  confusion (rows: true class, columns: predicted)\n  %3s", "");
  for (size_t p = 0; p < k; ++p) std::printf("%*zu", width, p);
  std::printf("\n");
  for (size_t t = 0; t < k; ++t) {
    std::printf("  %3zu", t);
    for (size_t p = 0; p < k; ++p)
      std::printf("%*llu", width, static_cast<unsigned long long>(e.cell(t, p)));
    std::printf("\n");
  }
}

}  // namespace kcell_cli
