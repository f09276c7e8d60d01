// Prediction through the C API: checks the arguments and the caller's capacity, then runs
// infer::predict with the calling thread's compute-thread setting.
#include <string>

#include "api/arguments.hpp"
#include "api/guard.hpp"
#include "api/handles.hpp"
#include "common/threads.hpp"
#include "infer/calibrate.hpp"
#include "infer/ensemble_predict.hpp"
#include "infer/model_engine.hpp"
#include "infer/predict.hpp"
#include "model/model.hpp"

using kcell::Status;
using kcell::api::Access;
using kcell::api::guarded;
using kcell::api::InUse;
using kcell::api::raw_enum;
using kcell::api::require;

namespace {

// Checks the pointers and that count × k floats fit in capacity.
void check_output(const kcell_model* model, const void* images, size_t count,
                  const float* probabilities, size_t capacity) {
  require(model, "model");
  if (count == 0) return;
  require(images, "images");
  require(probabilities, "probabilities");
  const size_t k = static_cast<size_t>(model->model->num_classes());
  size_t needed = 0;
  if (__builtin_mul_overflow(count, k, &needed) || capacity < needed)
    kcell::fail(Status::buffer_too_small, "probabilities holds " + std::to_string(capacity) +
                                              " floats; " + std::to_string(count) + " images of " +
                                              std::to_string(k) + " classes need " +
                                              std::to_string(count) + " x " + std::to_string(k));
}

}  // namespace

extern "C" {

KCELL_API kcell_status kcell_predict(const kcell_model* model, const uint8_t* images, size_t count,
                                     kcell_layout layout, float* probabilities, size_t capacity) {
  return guarded([&] {
    const int value = raw_enum(layout);
    if (value != KCELL_LAYOUT_NCHW && value != KCELL_LAYOUT_NHWC)
      kcell::fail(Status::invalid_argument, "unknown layout " + std::to_string(value) +
                                                "; use KCELL_LAYOUT_NCHW or KCELL_LAYOUT_NHWC");
    const InUse<kcell_model> model_use(model, "the model", Access::shared);
    check_output(model, images, count, probabilities, capacity);
    kcell::apply_threads(0);
    kcell::infer::predict_mean(
        model->members(), images, count,
        value == KCELL_LAYOUT_NHWC ? kcell::infer::Layout::nhwc : kcell::infer::Layout::nchw,
        probabilities);
  });
}

KCELL_API kcell_status kcell_predict_normalized(const kcell_model* model, const float* images,
                                                size_t count, float* probabilities,
                                                size_t capacity) {
  return guarded([&] {
    const InUse<kcell_model> model_use(model, "the model", Access::shared);
    check_output(model, images, count, probabilities, capacity);
    kcell::apply_threads(0);
    kcell::infer::predict_normalized_mean(model->members(), images, count, probabilities);
  });
}

KCELL_API kcell_status kcell_model_set_inference_precision(kcell_model* model,
                                                           kcell_precision precision) {
  return guarded([&] {
    require(model, "model");
    const InUse<kcell_model> model_use(model, "the model", Access::shared);
    const int value = raw_enum(precision);
    switch (value) {
      case KCELL_PRECISION_FP32:
        for (kcell::model::Model* m : model->members())
          kcell::infer::set_inference_precision(*m, kcell::infer::Precision::fp32);
        return;
      case KCELL_PRECISION_BF16:
        for (kcell::model::Model* m : model->members())
          kcell::infer::set_inference_precision(*m, kcell::infer::Precision::bf16);
        return;
      case KCELL_PRECISION_INT8:
        for (kcell::model::Model* m : model->members())
          kcell::infer::set_inference_precision(*m, kcell::infer::Precision::int8);
        return;
      default:
        kcell::fail(Status::invalid_argument,
                    "unknown precision " + std::to_string(value) +
                        "; use KCELL_PRECISION_FP32, KCELL_PRECISION_BF16 or "
                        "KCELL_PRECISION_INT8");
    }
  });
}

KCELL_API kcell_status kcell_model_calibrate_int8(kcell_model* model, const kcell_dataset* dataset,
                                                  kcell_split split, size_t max_images) {
  return guarded([&] {
    require(model, "model");
    const InUse<kcell_model> model_use(model, "the model", Access::shared);
    require(dataset, "dataset");
    const InUse<kcell_dataset> dataset_use(dataset, "the dataset", Access::shared);
    const kcell::data::SplitId id = kcell::api::checked_split(raw_enum(split));
    kcell::apply_threads(0);
    for (kcell::model::Model* m : model->members())
      kcell::infer::calibrate_int8(*m, dataset->data, id, max_images);
  });
}

}  // extern "C"
