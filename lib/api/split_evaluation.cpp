#include "api/split_evaluation.hpp"

#include <limits>
#include <utility>

#include "api/arguments.hpp"
#include "common/threads.hpp"
#include "infer/conformal.hpp"
#include "infer/ensemble_evaluate.hpp"
#include "infer/multilabel_metrics.hpp"

namespace kcell::api {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

static_assert(KCELL_CALIBRATION_BINS == infer::kCalibrationBins &&
                  KCELL_RISK_COVERAGE_POINTS == infer::kRiskCoveragePoints,
              "the C struct and the metrics have the same bins and points");

}  // namespace

SplitEvaluation evaluate_split(const kcell_model& model, const data::Dataset& dataset,
                               data::SplitId split, bool keep_probabilities) {
  kcell::apply_threads(0);
  SplitEvaluation s;
  s.run = model.is_ensemble()
              ? infer::evaluate_mean(model.members(), dataset, split, infer::kEvaluationBatchSize)
              : infer::evaluate(*model.model, dataset, split, infer::kEvaluationBatchSize,
                                keep_probabilities);
  s.metrics.balanced_accuracy = kNaN;
  s.plain_balanced_accuracy = kNaN;
  s.calibration.ece = s.calibration.classwise_ece = s.calibration.nll = s.calibration.brier = kNaN;
  if (!keep_probabilities) return s;
  const infer::Evaluation& e = s.run;
  const int k = model.model->num_classes();
  if (model.model->multi_label()) {
    // MedMNIST's multi-label numbers; the calibration metrics are softmax ones (NaN here).
    s.metrics =
        infer::compute_multilabel_metrics(e.probabilities.data(), e.labels.data(), e.count, k);
    s.plain_balanced_accuracy = s.metrics.balanced_accuracy;
    return s;
  }
  s.calibration = infer::compute_calibration(e.probabilities.data(), e.labels.data(), e.count, k);
  s.metrics = infer::compute_metrics(e.probabilities.data(), e.labels.data(), e.count, k);
  s.plain_balanced_accuracy =
      e.plain_probabilities.empty()
          ? s.metrics.balanced_accuracy
          : infer::compute_metrics(e.plain_probabilities.data(), e.labels.data(), e.count, k)
                .balanced_accuracy;
  return s;
}

void write_metrics(const SplitEvaluation& s, kcell_metrics* out, size_t size) {
  const infer::Evaluation& e = s.run;
  const infer::CalibrationMetrics& cal = s.calibration;
  if (has_room(size, out, &out->count)) out->count = e.count;
  if (has_room(size, out, &out->loss)) out->loss = e.loss;
  if (has_room(size, out, &out->accuracy)) out->accuracy = e.accuracy;
  if (has_room(size, out, &out->balanced_accuracy))
    out->balanced_accuracy = s.metrics.balanced_accuracy;
  if (has_room(size, out, &out->auc)) out->auc = s.metrics.auc;
  if (has_room(size, out, &out->argmax_accuracy)) out->argmax_accuracy = e.plain_accuracy;
  if (has_room(size, out, &out->argmax_balanced_accuracy))
    out->argmax_balanced_accuracy = s.plain_balanced_accuracy;
  if (has_room(size, out, &out->ece)) out->ece = cal.ece;
  if (has_room(size, out, &out->classwise_ece)) out->classwise_ece = cal.classwise_ece;
  if (has_room(size, out, &out->nll)) out->nll = cal.nll;
  if (has_room(size, out, &out->brier)) out->brier = cal.brier;
}

kcell_calibration calibration_record(const infer::CalibrationMetrics& m, size_t count) {
  kcell_calibration c{};
  c.count = count;
  c.ece = m.ece;
  c.classwise_ece = m.classwise_ece;
  c.nll = m.nll;
  c.brier = m.brier;
  c.aurc = m.aurc;
  for (int b = 0; b < KCELL_CALIBRATION_BINS; ++b)
    c.bins[b] = kcell_reliability_bin{m.bins[b].count, m.bins[b].confidence, m.bins[b].accuracy};
  for (int j = 0; j < KCELL_RISK_COVERAGE_POINTS; ++j) {
    const auto& p = m.risk_coverage[static_cast<size_t>(j)];
    c.risk_coverage[j] = kcell_risk_coverage_point{p.coverage, p.accuracy, p.threshold};
  }
  c.temperature = 1.0;
  c.conformal_alpha = c.conformal_coverage = c.conformal_mean_set_size = kNaN;
  return c;
}

kcell_calibration model_calibration_record(const kcell_model& model, const SplitEvaluation& s,
                                           std::vector<double>& class_coverage) {
  const infer::Evaluation& e = s.run;
  const int k = model.model->num_classes();
  kcell_calibration c = calibration_record(s.calibration, e.count);
  c.temperature = model.model->temperature();
  class_coverage.assign(static_cast<size_t>(k), kNaN);
  const auto& conformal = model.model->conformal();
  if (conformal && !model.is_ensemble()) {
    infer::ConformalEvaluation ce =
        infer::evaluate_conformal(e.probabilities.data(), e.labels.data(), e.count, k, *conformal);
    c.conformal_alpha = ce.alpha;
    c.conformal_coverage = ce.coverage;
    c.conformal_mean_set_size = ce.mean_set_size;
    c.conformal_empty_sets = ce.empty_sets;
    class_coverage = std::move(ce.per_class_coverage);
  }
  return c;
}

}  // namespace kcell::api
