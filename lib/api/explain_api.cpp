// Saliency through the C API: checks the arguments, the options and the caller's
// capacity, then runs infer::saliency with the calling thread's compute-thread setting.
#include <algorithm>
#include <cstring>
#include <string>

#include "api/arguments.hpp"
#include "api/guard.hpp"
#include "api/handles.hpp"
#include "common/threads.hpp"
#include "infer/saliency.hpp"
#include "model/model.hpp"

using kcell::Status;
using kcell::api::Access;
using kcell::api::guarded;
using kcell::api::InUse;
using kcell::api::raw_enum;
using kcell::api::require;

namespace {

// The options a caller passed, with defaults for fields beyond its struct_size.
kcell::infer::SaliencyRequest request_from(const kcell_explain_options* options) {
  kcell::infer::SaliencyRequest request;
  if (options == nullptr) return request;
  const size_t size = kcell::api::caller_struct_size(
      options, "options", "fill the options with kcell_explain_options_default() first");
  kcell_explain_options given{};
  std::memcpy(&given, options, std::min(size, sizeof given));
  if (kcell::api::has_room(size, &given, &given.method)) {
    switch (given.method) {
      case KCELL_SALIENCY_GRADCAM:
        request.method = kcell::infer::SaliencyMethod::gradcam;
        break;
      case KCELL_SALIENCY_INPUT_GRADIENT:
        request.method = kcell::infer::SaliencyMethod::input_gradient;
        break;
      default:
        kcell::fail(Status::invalid_argument,
                    "unknown saliency method " + std::to_string(given.method) +
                        "; use KCELL_SALIENCY_GRADCAM or KCELL_SALIENCY_INPUT_GRADIENT");
    }
  }
  if (kcell::api::has_room(size, &given, &given.layer)) {
    if (given.layer < -1)
      kcell::fail(Status::invalid_argument, "Grad-CAM layer " + std::to_string(given.layer) +
                                                " is negative; -1 picks the last convolution");
    request.layer = given.layer;
  }
  return request;
}

}  // namespace

extern "C" {

KCELL_API kcell_status kcell_explain_options_init(kcell_explain_options* options,
                                                  size_t struct_size) {
  return guarded([&] {
    require(options, "options");
    kcell_explain_options full{};
    full.method = KCELL_SALIENCY_GRADCAM;
    full.layer = -1;
    kcell::api::copy_sized(&full, sizeof full, options, struct_size);
  });
}

KCELL_API kcell_status kcell_explain(const kcell_model* model, const uint8_t* images, size_t count,
                                     kcell_layout layout, int32_t target_class,
                                     const kcell_explain_options* options, float* maps,
                                     size_t capacity, int32_t* classes) {
  return guarded([&] {
    const int value = raw_enum(layout);
    if (value != KCELL_LAYOUT_NCHW && value != KCELL_LAYOUT_NHWC)
      kcell::fail(Status::invalid_argument, "unknown layout " + std::to_string(value) +
                                                "; use KCELL_LAYOUT_NCHW or KCELL_LAYOUT_NHWC");
    const InUse<kcell_model> model_use(model, "the model", Access::shared);
    require(model, "model");
    const kcell::infer::SaliencyRequest request = request_from(options);
    if (model->is_ensemble())
      kcell::fail(Status::invalid_argument,
                  "kcell_explain takes a single model, not an ensemble (explain its members)");
    kcell::model::Model& m = *model->model;
    if (target_class < -1 || target_class >= m.num_classes())
      kcell::fail(Status::invalid_argument,
                  "class " + std::to_string(target_class) + " is not in [0, " +
                      std::to_string(m.num_classes()) + ") (or -1 for the predicted class)");
    if (count == 0) return;
    require(images, "images");
    require(maps, "maps");
    const size_t plane = static_cast<size_t>(m.height()) * static_cast<size_t>(m.width());
    size_t needed = 0;
    if (__builtin_mul_overflow(count, plane, &needed) || capacity < needed)
      kcell::fail(Status::buffer_too_small,
                  "maps holds " + std::to_string(capacity) + " floats; " + std::to_string(count) +
                      " maps of " + std::to_string(m.height()) + "x" + std::to_string(m.width()) +
                      " need " + std::to_string(count) + " x " + std::to_string(plane));
    kcell::apply_threads(0);
    kcell::infer::saliency(
        m, images, count,
        value == KCELL_LAYOUT_NHWC ? kcell::infer::Layout::nhwc : kcell::infer::Layout::nchw,
        target_class, request, maps, classes);
  });
}

}  // extern "C"
