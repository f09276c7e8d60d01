// Calibration through the C API: calibration metrics of probabilities (a model's on a split
// are in evaluate_api.cpp), temperature scaling and conformal calibration, and prediction sets.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "api/arguments.hpp"
#include "api/guard.hpp"
#include "api/handles.hpp"
#include "api/split_evaluation.hpp"
#include "common/threads.hpp"
#include "infer/calibration_metrics.hpp"
#include "infer/conformal.hpp"
#include "infer/ensemble_evaluate.hpp"
#include "infer/evaluate.hpp"
#include "infer/metrics.hpp"
#include "infer/probability_calibration.hpp"
#include "model/model.hpp"

using kcell::Status;
using kcell::api::Access;
using kcell::api::guarded;
using kcell::api::has_room;
using kcell::api::InUse;
using kcell::api::raw_enum;
using kcell::api::require;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

extern "C" {

KCELL_API kcell_status kcell_calibration_metrics(const float* probabilities, const int32_t* labels,
                                                 size_t count, int num_classes,
                                                 kcell_calibration* calibration) {
  return guarded([&] {
    require(probabilities, "probabilities");
    require(labels, "labels");
    require(calibration, "calibration");
    const size_t size = kcell::api::caller_struct_size(calibration, "calibration",
                                                       "set it to sizeof(kcell_calibration)");
    if (num_classes < 2 || num_classes > kcell::infer::kMaxMetricClasses)
      kcell::fail(Status::invalid_argument, "num_classes must lie in 2.." +
                                                std::to_string(kcell::infer::kMaxMetricClasses) +
                                                ", got " + std::to_string(num_classes));
    const kcell_calibration c = kcell::api::calibration_record(
        kcell::infer::compute_calibration(probabilities, labels, count, num_classes), count);
    kcell::api::copy_prefix(calibration, c, size);
  });
}

KCELL_API kcell_status kcell_model_calibrate(kcell_model* model, const kcell_dataset* dataset,
                                             kcell_split split, double alpha,
                                             kcell_calibration_fit* fit) {
  return guarded([&] {
    require(model, "model");
    require(dataset, "dataset");
    const InUse<kcell_model> model_use(model, "the model", Access::exclusive);
    model->model->refuse_if_multi_label("probability calibration");
    const InUse<kcell_dataset> dataset_use(dataset, "the dataset", Access::shared);
    const size_t size =
        fit ? kcell::api::caller_struct_size(fit, "fit", "set it to sizeof(kcell_calibration_fit)")
            : 0;
    const kcell::data::SplitId id = kcell::api::checked_split(raw_enum(split));
    if (model->is_ensemble())
      kcell::fail(Status::invalid_argument,
                  "an ensemble cannot be calibrated; calibrate its members before combining them");
    if (!(alpha >= 0.0 && alpha < 1.0))
      kcell::fail(Status::invalid_argument,
                  "alpha must lie in [0, 1) (0: no prediction sets), got " + std::to_string(alpha));
    kcell::apply_threads(0);
    // Fitted on a copy of the calibration state: a failure leaves the model as it was.
    kcell::model::Model& m = *model->model;
    const double old_temperature = m.temperature();
    const std::vector<float> old_bias = m.decision_bias();
    const kcell::model::DecisionRule old_rule = m.decision_rule();
    const auto old_conformal = m.conformal();
    kcell::infer::CalibrationFit result;
    try {
      result = kcell::infer::calibrate_probabilities(
          m, dataset->data, id, alpha > 0.0 ? std::optional<double>(alpha) : std::nullopt);
    } catch (...) {
      m.set_temperature(old_temperature);
      m.set_decision_bias(old_bias, old_rule);
      m.set_conformal(old_conformal);
      throw;
    }
    if (!fit) return;
    kcell_calibration_fit f{};
    f.count = result.count;
    f.temperature_before = result.temperature_before;
    f.temperature = result.temperature;
    f.nll_before = result.nll_before;
    f.nll = result.nll;
    f.ece_before = result.ece_before;
    f.ece = result.ece;
    f.bias_refitted = result.bias_refitted ? 1 : 0;
    f.conformal_quantile = result.conformal ? result.conformal->quantile : kNaN;
    kcell::api::copy_prefix(fit, f, size);
  });
}

KCELL_API kcell_status kcell_model_temperature(const kcell_model* model, double* temperature) {
  return guarded([&] {
    require(model, "model");
    require(temperature, "temperature");
    const InUse<kcell_model> model_use(model, "the model", Access::shared);
    *temperature = model->model->temperature();
  });
}

KCELL_API kcell_status kcell_model_set_temperature(kcell_model* model, double temperature) {
  return guarded([&] {
    require(model, "model");
    const InUse<kcell_model> model_use(model, "the model", Access::exclusive);
    // The first member checks the value: then every member accepts it.
    for (kcell::model::Model* m : model->members()) m->set_temperature(temperature);
  });
}

KCELL_API kcell_status kcell_model_conformal(const kcell_model* model, double* alpha,
                                             double* quantile) {
  return guarded([&] {
    require(model, "model");
    require(alpha, "alpha");
    require(quantile, "quantile");
    const InUse<kcell_model> model_use(model, "the model", Access::shared);
    const auto& c = model->model->conformal();
    const bool has = c && !model->is_ensemble();
    *alpha = has ? c->alpha : 0.0;
    *quantile = has ? c->quantile : kNaN;
  });
}

KCELL_API kcell_status kcell_prediction_sets(const kcell_model* model, const float* probabilities,
                                             size_t count, uint8_t* in_set, size_t capacity) {
  return guarded([&] {
    require(model, "model");
    const InUse<kcell_model> model_use(model, "the model", Access::shared);
    model->model->refuse_if_multi_label("a conformal prediction set");
    const auto& c = model->model->conformal();
    if (!c || model->is_ensemble())
      kcell::fail(Status::invalid_argument,
                  "the model has no conformal calibration (kcell_model_calibrate with an alpha)");
    if (count == 0) return;
    require(probabilities, "probabilities");
    require(in_set, "in_set");
    const size_t k = static_cast<size_t>(model->model->num_classes());
    size_t needed = 0;
    if (__builtin_mul_overflow(count, k, &needed) || capacity < needed)
      kcell::fail(Status::buffer_too_small, "in_set holds " + std::to_string(capacity) +
                                                " flags; " + std::to_string(count) + " images of " +
                                                std::to_string(k) + " classes need " +
                                                std::to_string(needed));
    kcell::infer::conformal_sets(probabilities, count, static_cast<int>(k), c->quantile, in_set);
  });
}

}  // extern "C"
