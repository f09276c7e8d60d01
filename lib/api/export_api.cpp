// ONNX export through the C API (lib/export/onnx_export.hpp does the work).
#include "api/guard.hpp"
#include "api/handles.hpp"
#include "export/onnx_export.hpp"

using kcell::api::Access;
using kcell::api::guarded;
using kcell::api::InUse;
using kcell::api::require;

extern "C" {

KCELL_API kcell_status kcell_model_export_onnx(const kcell_model* model, const char* path) {
  return guarded([&] {
    require(model, "model");
    const InUse<kcell_model> model_use(model, "the model", Access::shared);
    require(path, "path");
    kcell::exporter::export_onnx(model->members(), path, kcell_version());
  });
}

}  // extern "C"
