// The model handle: create from a preset or spec, free, parameter count.
#include <memory>

#include "api/guard.hpp"
#include "api/handles.hpp"
#include "model/model.hpp"
#include "spec/architecture.hpp"

using kcell::api::Access;
using kcell::api::guarded;
using kcell::api::InUse;
using kcell::api::require;

extern "C" {

KCELL_API kcell_status kcell_model_create(const char* architecture, int channels, int height,
                                          int width, int num_classes, uint64_t seed,
                                          kcell_model** out) {
  return guarded([&] {
    require(architecture, "architecture");
    require(out, "out");
    auto handle = std::make_unique<kcell_model>();
    handle->model = std::make_unique<kcell::model::Model>(
        kcell::spec::parse_architecture(architecture), channels, height, width, num_classes, seed);
    *out = handle.release();
  });
}

KCELL_API void kcell_model_free(kcell_model* model) { kcell::api::release_handle(model); }

KCELL_API kcell_status kcell_model_num_params(const kcell_model* model, size_t* count) {
  return guarded([&] {
    require(model, "model");
    const InUse<kcell_model> model_use(model, "the model", Access::shared);
    require(count, "count");
    *count = model->model->num_params();
  });
}

}  // extern "C"
