// kcell_evaluate and kcell_evaluate_details: metrics of a model on one split, written into
// the fields the caller's struct has room for.
#include <algorithm>
#include <cstring>
#include <limits>
#include <string>

#include "api/arguments.hpp"
#include "api/guard.hpp"
#include "api/handles.hpp"
#include "common/threads.hpp"
#include "infer/calibration_metrics.hpp"
#include "infer/ensemble_evaluate.hpp"
#include "infer/evaluate.hpp"
#include "infer/metrics.hpp"
#include "infer/multilabel_metrics.hpp"

namespace kcell::api {
namespace {

// Shared by kcell_evaluate and kcell_evaluate_details: checks, evaluates, and writes the
// summary fields the caller's struct has room for. `full_out` also receives the metrics that
// need every probability (balanced accuracy, AUC, per class, confusion).
// `which` is the caller's split number, read with raw_enum (never passed on as the enum).
void evaluate_into(const kcell_model* model, const kcell_dataset* dataset, int which,
                   kcell_metrics* metrics, kcell::infer::Metrics* full_out) {
  require(model, "model");
  require(dataset, "dataset");
  const InUse<kcell_model> model_use(model, "the model", Access::shared);
  const InUse<kcell_dataset> dataset_use(dataset, "the dataset", Access::shared);
  require(metrics, "metrics");
  const kcell::data::SplitId split = kcell::api::checked_split(which);
  const size_t size =
      kcell::api::caller_struct_size(metrics, "metrics", "set it to sizeof(kcell_metrics)");
  const int k = model->model->num_classes();
  if (full_out && k > kcell::infer::kMaxMetricClasses)
    kcell::fail(Status::invalid_argument, "detailed metrics support at most " +
                                              std::to_string(kcell::infer::kMaxMetricClasses) +
                                              " classes; the model has " + std::to_string(k));
  // Balanced accuracy and AUC need every probability row; kcell_evaluate leaves them NaN
  // for class counts the metrics do not support.
  const bool need_probabilities =
      full_out || (kcell::api::has_room(size, metrics, &metrics->balanced_accuracy) &&
                   k <= kcell::infer::kMaxMetricClasses);
  kcell::apply_threads(0);
  const kcell::infer::Evaluation e =
      model->is_ensemble()
          ? kcell::infer::evaluate_mean(model->members(), dataset->data, split,
                                        kcell::infer::kEvaluationBatchSize)
          : kcell::infer::evaluate(*model->model, dataset->data, split,
                                   kcell::infer::kEvaluationBatchSize, need_probabilities);
  kcell::infer::Metrics m;
  m.balanced_accuracy = std::numeric_limits<double>::quiet_NaN();
  double plain_balanced = m.balanced_accuracy;
  kcell::infer::CalibrationMetrics cal;
  cal.ece = cal.classwise_ece = cal.nll = cal.brier = m.balanced_accuracy;
  if (need_probabilities && model->model->multi_label()) {
    // MedMNIST's multi-label numbers; the calibration metrics are softmax ones (NaN here).
    m = kcell::infer::compute_multilabel_metrics(e.probabilities.data(), e.labels.data(), e.count,
                                                 k);
    plain_balanced = m.balanced_accuracy;
  } else if (need_probabilities) {
    cal = kcell::infer::compute_calibration(e.probabilities.data(), e.labels.data(), e.count, k);
    m = kcell::infer::compute_metrics(e.probabilities.data(), e.labels.data(), e.count, k);
    plain_balanced = e.plain_probabilities.empty()
                         ? m.balanced_accuracy
                         : kcell::infer::compute_metrics(e.plain_probabilities.data(),
                                                         e.labels.data(), e.count, k)
                               .balanced_accuracy;
  }
  // Only the fields the caller's struct has room for.
  if (kcell::api::has_room(size, metrics, &metrics->count)) metrics->count = e.count;
  if (kcell::api::has_room(size, metrics, &metrics->loss)) metrics->loss = e.loss;
  if (kcell::api::has_room(size, metrics, &metrics->accuracy)) metrics->accuracy = e.accuracy;
  if (kcell::api::has_room(size, metrics, &metrics->balanced_accuracy))
    metrics->balanced_accuracy = m.balanced_accuracy;
  if (kcell::api::has_room(size, metrics, &metrics->auc)) metrics->auc = m.auc;
  if (kcell::api::has_room(size, metrics, &metrics->argmax_accuracy))
    metrics->argmax_accuracy = e.plain_accuracy;
  if (kcell::api::has_room(size, metrics, &metrics->argmax_balanced_accuracy))
    metrics->argmax_balanced_accuracy = plain_balanced;
  if (kcell::api::has_room(size, metrics, &metrics->ece)) metrics->ece = cal.ece;
  if (kcell::api::has_room(size, metrics, &metrics->classwise_ece))
    metrics->classwise_ece = cal.classwise_ece;
  if (kcell::api::has_room(size, metrics, &metrics->nll)) metrics->nll = cal.nll;
  if (kcell::api::has_room(size, metrics, &metrics->brier)) metrics->brier = cal.brier;
  if (full_out) *full_out = std::move(m);
}

}  // namespace
}  // namespace kcell::api

using kcell::api::guarded;
using kcell::api::raw_enum;

extern "C" {

KCELL_API kcell_status kcell_evaluate(const kcell_model* model, const kcell_dataset* dataset,
                                      kcell_split split, kcell_metrics* metrics) {
  return guarded(
      [&] { kcell::api::evaluate_into(model, dataset, raw_enum(split), metrics, nullptr); });
}

KCELL_API kcell_status kcell_evaluate_details(const kcell_model* model,
                                              const kcell_dataset* dataset, kcell_split split,
                                              kcell_metrics* metrics,
                                              kcell_class_metrics* per_class,
                                              size_t per_class_capacity, uint64_t* confusion,
                                              size_t confusion_capacity) {
  return guarded([&] {
    kcell::api::require(model, "model");
    const kcell::api::InUse<kcell_model> model_use(model, "the model", kcell::api::Access::shared);
    kcell::api::require(metrics, "metrics");
    const size_t k = static_cast<size_t>(model->model->num_classes());
    if (per_class && per_class_capacity < k)
      kcell::fail(kcell::Status::buffer_too_small,
                  "per_class holds " + std::to_string(per_class_capacity) +
                      " records; the model has " + std::to_string(k) + " classes");
    if (confusion && model->model->multi_label())
      kcell::fail(kcell::Status::invalid_argument,
                  "a multi-label model has no confusion matrix (an image has no single class): "
                  "pass confusion = NULL; per_class gives each label's numbers");
    if (confusion && confusion_capacity / k < k)
      kcell::fail(kcell::Status::buffer_too_small,
                  "confusion holds " + std::to_string(confusion_capacity) + " counts; a " +
                      std::to_string(k) + "-class matrix needs " + std::to_string(k * k));
    // Computed into a copy first so that nothing is written when evaluation fails; a
    // struct_size below sizeof(size_t) fails in evaluate_into.
    kcell_metrics summary{};
    summary.struct_size = std::min(sizeof summary, metrics->struct_size);
    kcell::infer::Metrics m;
    kcell::api::evaluate_into(model, dataset, raw_enum(split), &summary, &m);
    std::memcpy(reinterpret_cast<char*>(metrics) + sizeof(size_t),
                reinterpret_cast<const char*>(&summary) + sizeof(size_t),
                summary.struct_size - sizeof(size_t));
    if (per_class)
      for (size_t c = 0; c < k; ++c) {
        const kcell::infer::ClassMetrics& cm = m.classes[c];
        per_class[c] =
            kcell_class_metrics{cm.support, cm.predicted, cm.precision, cm.recall, cm.f1, cm.auc};
      }
    if (confusion)
      for (size_t i = 0; i < k * k; ++i) confusion[i] = static_cast<uint64_t>(m.confusion[i]);
  });
}

}  // extern "C"
