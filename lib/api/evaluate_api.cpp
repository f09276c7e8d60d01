// kcell_evaluate, kcell_evaluate_details, kcell_evaluate_calibration and kcell_evaluate_full:
// a model's numbers on one split (one pass: api/split_evaluation.hpp), written into the
// fields the caller's structs have room for.
#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "api/arguments.hpp"
#include "api/guard.hpp"
#include "api/handles.hpp"
#include "api/split_evaluation.hpp"
#include "infer/metrics.hpp"

using kcell::Status;
using kcell::api::Access;
using kcell::api::guarded;
using kcell::api::InUse;
using kcell::api::raw_enum;
using kcell::api::require;

namespace {

void refuse_too_many_classes(int k, const char* what) {
  if (k > kcell::infer::kMaxMetricClasses)
    kcell::fail(Status::invalid_argument, std::string(what) + " support at most " +
                                              std::to_string(kcell::infer::kMaxMetricClasses) +
                                              " classes; the model has " + std::to_string(k));
}

// What kcell_evaluate_details, kcell_evaluate_calibration and kcell_evaluate_full share:
// checks every output given (NULL: not wanted) before the pass, evaluates once, and writes
// them.
void evaluate_outputs(const kcell_model* model, const kcell_dataset* dataset, int which,
                      kcell_metrics* metrics, kcell_class_metrics* per_class,
                      size_t per_class_capacity, uint64_t* confusion, size_t confusion_capacity,
                      kcell_calibration* calibration, double* class_coverage,
                      size_t class_capacity) {
  require(model, "model");
  require(dataset, "dataset");
  const InUse<kcell_model> model_use(model, "the model", Access::shared);
  const InUse<kcell_dataset> dataset_use(dataset, "the dataset", Access::shared);
  const size_t metrics_size = metrics ? kcell::api::caller_struct_size(
                                            metrics, "metrics", "set it to sizeof(kcell_metrics)")
                                      : 0;
  const kcell::data::SplitId split = kcell::api::checked_split(which);
  const int classes = model->model->num_classes();
  const size_t k = static_cast<size_t>(classes);
  refuse_too_many_classes(classes, "detailed metrics");
  const bool multi_label = model->model->multi_label();
  if (per_class && per_class_capacity < k)
    kcell::fail(Status::buffer_too_small, "per_class holds " + std::to_string(per_class_capacity) +
                                              " records; the model has " + std::to_string(k) +
                                              " classes");
  if (confusion && multi_label)
    kcell::fail(Status::invalid_argument,
                "a multi-label model has no confusion matrix (an image has no single class): "
                "pass confusion = NULL; per_class gives each label's numbers");
  if (confusion && confusion_capacity / k < k)
    kcell::fail(Status::buffer_too_small, "confusion holds " + std::to_string(confusion_capacity) +
                                              " counts; a " + std::to_string(k) +
                                              "-class matrix needs " + std::to_string(k * k));
  size_t calibration_size = 0;
  if (calibration) {
    calibration_size = kcell::api::caller_struct_size(calibration, "calibration",
                                                      "set it to sizeof(kcell_calibration)");
    model->model->refuse_if_multi_label("calibration metrics");
  }
  if (class_coverage && class_capacity < k)
    kcell::fail(Status::buffer_too_small, "class_coverage holds " + std::to_string(class_capacity) +
                                              " values; the model has " + std::to_string(k) +
                                              " classes");
  const kcell::api::SplitEvaluation s = kcell::api::evaluate_split(*model, dataset->data, split,
                                                                   /*keep_probabilities=*/true);
  std::vector<double> coverage;
  kcell_calibration cal{};
  if (calibration || class_coverage) {
    if (multi_label)
      coverage.assign(k, std::numeric_limits<double>::quiet_NaN());
    else
      cal = kcell::api::model_calibration_record(*model, s, coverage);
  }
  if (metrics) kcell::api::write_metrics(s, metrics, metrics_size);
  if (per_class)
    for (size_t c = 0; c < k; ++c) {
      const kcell::infer::ClassMetrics& cm = s.metrics.classes[c];
      per_class[c] =
          kcell_class_metrics{cm.support, cm.predicted, cm.precision, cm.recall, cm.f1, cm.auc};
    }
  if (confusion)
    for (size_t i = 0; i < k * k; ++i) confusion[i] = static_cast<uint64_t>(s.metrics.confusion[i]);
  if (calibration) kcell::api::copy_prefix(calibration, cal, calibration_size);
  if (class_coverage) std::copy(coverage.begin(), coverage.end(), class_coverage);
}

}  // namespace

extern "C" {

KCELL_API kcell_status kcell_evaluate(const kcell_model* model, const kcell_dataset* dataset,
                                      kcell_split split, kcell_metrics* metrics) {
  return guarded([&] {
    require(model, "model");
    require(dataset, "dataset");
    const InUse<kcell_model> model_use(model, "the model", Access::shared);
    const InUse<kcell_dataset> dataset_use(dataset, "the dataset", Access::shared);
    require(metrics, "metrics");
    const size_t size =
        kcell::api::caller_struct_size(metrics, "metrics", "set it to sizeof(kcell_metrics)");
    const kcell::data::SplitId id = kcell::api::checked_split(raw_enum(split));
    // Balanced accuracy and AUC need every probability row; they stay NaN for class counts
    // the metrics do not support, or when the caller's struct has no room for them.
    const bool keep = kcell::api::has_room(size, metrics, &metrics->balanced_accuracy) &&
                      model->model->num_classes() <= kcell::infer::kMaxMetricClasses;
    const kcell::api::SplitEvaluation s =
        kcell::api::evaluate_split(*model, dataset->data, id, keep);
    kcell::api::write_metrics(s, metrics, size);
  });
}

KCELL_API kcell_status kcell_evaluate_details(const kcell_model* model,
                                              const kcell_dataset* dataset, kcell_split split,
                                              kcell_metrics* metrics,
                                              kcell_class_metrics* per_class,
                                              size_t per_class_capacity, uint64_t* confusion,
                                              size_t confusion_capacity) {
  return guarded([&] {
    require(metrics, "metrics");
    evaluate_outputs(model, dataset, raw_enum(split), metrics, per_class, per_class_capacity,
                     confusion, confusion_capacity, nullptr, nullptr, 0);
  });
}

KCELL_API kcell_status kcell_evaluate_full(const kcell_model* model, const kcell_dataset* dataset,
                                           kcell_split split, kcell_metrics* metrics,
                                           kcell_class_metrics* per_class,
                                           size_t per_class_capacity, uint64_t* confusion,
                                           size_t confusion_capacity,
                                           kcell_calibration* calibration, double* class_coverage,
                                           size_t class_capacity) {
  return guarded([&] {
    require(metrics, "metrics");
    evaluate_outputs(model, dataset, raw_enum(split), metrics, per_class, per_class_capacity,
                     confusion, confusion_capacity, calibration, class_coverage, class_capacity);
  });
}

KCELL_API kcell_status kcell_evaluate_calibration(const kcell_model* model,
                                                  const kcell_dataset* dataset, kcell_split split,
                                                  kcell_calibration* calibration,
                                                  double* class_coverage, size_t class_capacity) {
  return guarded([&] {
    require(model, "model");
    require(calibration, "calibration");
    evaluate_outputs(model, dataset, raw_enum(split), nullptr, nullptr, 0, nullptr, 0, calibration,
                     class_coverage, class_capacity);
  });
}

}  // extern "C"
