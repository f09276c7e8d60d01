// Model files through the C API: save to a path or to library-allocated memory, load from
// either, and kcell_free for that memory.
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <vector>

#include "api/guard.hpp"
#include "api/handles.hpp"
#include "model/model.hpp"
#include "model/model_file.hpp"

using kcell::Status;
using kcell::api::guarded;
using kcell::api::Access;
using kcell::api::InUse;
using kcell::api::require;

namespace {

kcell_model* new_handle(std::unique_ptr<kcell::model::Model> model) {
  auto handle = std::make_unique<kcell_model>();
  handle->model = std::move(model);
  return handle.release();
}

}  // namespace

extern "C" {

KCELL_API kcell_status kcell_model_save(const kcell_model* model, const char* path) {
  return guarded([&] {
    require(model, "model");
    const InUse<kcell_model> model_use(model, "the model", Access::shared);
    require(path, "path");
    kcell::model::save_model(*model->model, path, kcell_version());
  });
}

KCELL_API kcell_status kcell_model_save_to_memory(const kcell_model* model, void** data,
                                                  size_t* size) {
  return guarded([&] {
    require(model, "model");
    const InUse<kcell_model> model_use(model, "the model", Access::shared);
    require(data, "data");
    require(size, "size");
    const std::vector<uint8_t> bytes =
        kcell::model::save_model_to_memory(*model->model, kcell_version());
    // malloc, so that kcell_free (free) releases it whatever allocator the caller uses.
    void* out = std::malloc(bytes.empty() ? 1 : bytes.size());
    if (out == nullptr) throw std::bad_alloc();
    std::memcpy(out, bytes.data(), bytes.size());
    *data = out;
    *size = bytes.size();
  });
}

KCELL_API kcell_status kcell_model_load(const char* path, kcell_model** out) {
  return guarded([&] {
    require(path, "path");
    require(out, "out");
    *out = new_handle(kcell::model::load_model(path));
  });
}

KCELL_API kcell_status kcell_model_load_from_memory(const void* data, size_t size,
                                                    kcell_model** out) {
  return guarded([&] {
    require(data, "data");
    require(out, "out");
    *out = new_handle(kcell::model::load_model_from_memory(data, size));
  });
}

KCELL_API void kcell_free(void* memory) { std::free(memory); }

}  // extern "C"
