// Prediction through the C API: checks the arguments and the caller's capacity, then runs
// infer::predict with the calling thread's compute-thread setting.
#include <cstring>
#include <string>

#include "api/guard.hpp"
#include "api/handles.hpp"
#include "common/threads.hpp"
#include "infer/model_engine.hpp"
#include "infer/predict.hpp"
#include "model/model.hpp"

using kcell::Status;
using kcell::api::guarded;
using kcell::api::require;

namespace {

// A C caller may pass any int as the enum. Loading an out-of-range value as the C++ enum
// type is undefined, so its bytes are read as the int they are.
static_assert(sizeof(kcell_layout) == sizeof(int), "kcell_layout is passed as an int");
int layout_value(const kcell_layout& layout) {
  int value = 0;
  std::memcpy(&value, &layout, sizeof value);
  return value;
}

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
    kcell::fail(Status::buffer_too_small,
                "probabilities holds " + std::to_string(capacity) + " floats; " +
                    std::to_string(count) + " images of " + std::to_string(k) +
                    " classes need " + std::to_string(count) + " x " + std::to_string(k));
}

// The C enum is read as the int it is (see layout_value).
static_assert(sizeof(kcell_precision) == sizeof(int), "kcell_precision is passed as an int");
int precision_value(const kcell_precision& precision) {
  int value = 0;
  std::memcpy(&value, &precision, sizeof value);
  return value;
}

}  // namespace

extern "C" {

KCELL_API kcell_status kcell_predict(kcell_model* model, const uint8_t* images, size_t count,
                                     kcell_layout layout, float* probabilities,
                                     size_t capacity) {
  return guarded([&] {
    const int value = layout_value(layout);
    if (value != KCELL_LAYOUT_NCHW && value != KCELL_LAYOUT_NHWC)
      kcell::fail(Status::invalid_argument,
                  "unknown layout " + std::to_string(value) +
                      "; use KCELL_LAYOUT_NCHW or KCELL_LAYOUT_NHWC");
    check_output(model, images, count, probabilities, capacity);
    kcell::apply_threads(0);
    kcell::infer::predict(*model->model, images, count,
                          value == KCELL_LAYOUT_NHWC ? kcell::infer::Layout::nhwc
                                                     : kcell::infer::Layout::nchw,
                          probabilities);
  });
}

KCELL_API kcell_status kcell_predict_normalized(kcell_model* model, const float* images,
                                                size_t count, float* probabilities,
                                                size_t capacity) {
  return guarded([&] {
    check_output(model, images, count, probabilities, capacity);
    kcell::apply_threads(0);
    kcell::infer::predict_normalized(*model->model, images, count, probabilities);
  });
}

KCELL_API kcell_status kcell_model_set_inference_precision(kcell_model* model,
                                                           kcell_precision precision) {
  return guarded([&] {
    require(model, "model");
    const int value = precision_value(precision);
    switch (value) {
      case KCELL_PRECISION_FP32:
        kcell::infer::set_inference_precision(*model->model, kcell::infer::Precision::fp32);
        return;
      case KCELL_PRECISION_BF16:
        kcell::infer::set_inference_precision(*model->model, kcell::infer::Precision::bf16);
        return;
      case KCELL_PRECISION_INT8:
        kcell::fail(Status::unsupported,
                    "int8 inference is not implemented; use KCELL_PRECISION_FP32 or "
                    "KCELL_PRECISION_BF16");
      default:
        kcell::fail(Status::invalid_argument,
                    "unknown precision " + std::to_string(value) +
                        "; use KCELL_PRECISION_FP32, KCELL_PRECISION_BF16 or "
                        "KCELL_PRECISION_INT8");
    }
  });
}

}  // extern "C"
