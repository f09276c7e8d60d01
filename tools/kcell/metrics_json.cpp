#include "metrics_json.hpp"

#include "common.hpp"
#include "tta_option.hpp"

namespace kcell_cli {

namespace {

// One record per class, or per label for a multi-label model (its support is the images
// that have the label: "positives").
nlohmann::json class_records(const Evaluation& e) {
  nlohmann::json records = nlohmann::json::array();
  for (size_t c = 0; c < e.classes(); ++c) {
    const kcell_class_metrics& m = e.per_class[c];
    records.push_back({{e.multi_label ? "label" : "class", c},
                       {"name", e.class_names[c]},
                       {"precision", m.precision},
                       {"recall", m.recall},
                       {"f1", m.f1},
                       {e.multi_label ? "positives" : "support", m.support},
                       {"predicted", m.predicted},
                       {"auc", m.auc}});
  }
  return records;
}

// A multi-label model's JSON: MedMNIST's multi-label ACC and AUC, and a table per label.
// The fields every evaluation's JSON has, multi-class or multi-label.
nlohmann::json summary_json(const Evaluation& e, const char* task) {
  return {{"split", split_name(e.split)},
          {"task", task},
          {"precision", e.precision},
          {"tta", tta_name(e.tta)},
          {"n", e.metrics.count},
          {"accuracy", e.metrics.accuracy},
          {"balanced_accuracy", e.metrics.balanced_accuracy},
          {"auc", e.metrics.auc},
          {"loss", e.metrics.loss},
          {"class_names", e.class_names}};
}

nlohmann::json multi_label_json(const Evaluation& e) {
  nlohmann::json j = summary_json(e, "multi-label");
  j["threshold"] = 0.5;
  j["per_label"] = class_records(e);
  return j;
}

}  // namespace

nlohmann::json evaluation_json(const Evaluation& e) {
  if (e.multi_label) return multi_label_json(e);
  const size_t k = e.classes();
  nlohmann::json confusion = nlohmann::json::array();
  for (size_t t = 0; t < k; ++t) {
    nlohmann::json row = nlohmann::json::array();
    for (size_t p = 0; p < k; ++p) row.push_back(e.cell(t, p));
    confusion.push_back(row);
  }
  const nlohmann::json per_class = class_records(e);
  const kcell_calibration& cal = e.calibration;
  nlohmann::json reliability = nlohmann::json::array();
  for (int b = 0; b < KCELL_CALIBRATION_BINS; ++b)
    reliability.push_back({{"lower", static_cast<double>(b) / KCELL_CALIBRATION_BINS},
                           {"upper", static_cast<double>(b + 1) / KCELL_CALIBRATION_BINS},
                           {"count", cal.bins[b].count},
                           {"confidence", cal.bins[b].confidence},
                           {"accuracy", cal.bins[b].accuracy}});
  nlohmann::json points = nlohmann::json::array();
  for (const kcell_risk_coverage_point& p : cal.risk_coverage)
    points.push_back(
        {{"coverage", p.coverage}, {"accuracy", p.accuracy}, {"threshold", p.threshold}});
  nlohmann::json conformal = nullptr;
  if (e.has_conformal())
    conformal = {{"alpha", cal.conformal_alpha},
                 {"coverage", cal.conformal_coverage},
                 {"mean_set_size", cal.conformal_mean_set_size},
                 {"empty_sets", cal.conformal_empty_sets},
                 {"per_class_coverage", e.class_coverage}};
  nlohmann::json j = summary_json(e, "multi-class");
  j.update({{"ece", e.metrics.ece},
            {"classwise_ece", e.metrics.classwise_ece},
            {"nll", e.metrics.nll},
            {"brier", e.metrics.brier},
            {"temperature", cal.temperature},
            {"reliability", reliability},
            {"risk_coverage", {{"aurc", cal.aurc}, {"points", points}}},
            {"conformal", conformal},
            {"decision", decision_rule_name(e.decision_rule)},
            {"decision_bias", e.decision_bias},
            {"argmax_accuracy", e.metrics.argmax_accuracy},
            {"argmax_balanced_accuracy", e.metrics.argmax_balanced_accuracy},
            {"confusion", confusion},
            {"per_class", per_class}});
  return j;
}

nlohmann::json epoch_json(const kcell_epoch_stats& s) {
  return {{"epoch", s.epoch + 1},
          {"train_loss", s.train_loss},
          {"train_accuracy", s.train_accuracy},
          {"val_loss", s.val_loss},
          {"val_accuracy", s.val_accuracy},
          {"val_balanced_accuracy", s.val_balanced_accuracy},
          {"val_auc", s.val_auc},
          {"train_val_gap", s.train_val_gap},
          {"learning_rate", s.learning_rate},
          {"seconds", s.seconds}};
}

nlohmann::json history_json(const RunHistory& history) {
  nlohmann::json epochs = nlohmann::json::array();
  for (const auto& s : history.epochs) epochs.push_back(epoch_json(s));
  nlohmann::json best = nullptr;
  if (history.best >= 0) best = history.epochs[history.best].epoch + 1;
  return {{"epochs", epochs}, {"best_epoch", best}};
}

}  // namespace kcell_cli
