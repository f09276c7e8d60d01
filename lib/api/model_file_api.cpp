// Model files through the C API: save to a path or to library-allocated memory, load from
// either, and kcell_free for that memory.
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "api/guard.hpp"
#include "api/handles.hpp"
#include "model/ensemble_file.hpp"
#include "model/model.hpp"
#include "model/model_file.hpp"

using kcell::Status;
using kcell::api::Access;
using kcell::api::guarded;
using kcell::api::InUse;
using kcell::api::require;

namespace {

kcell_model* new_handle(kcell::model::Members members) {
  auto handle = std::make_unique<kcell_model>();
  handle->model = std::move(members.front());
  for (size_t i = 1; i < members.size(); ++i) handle->more.push_back(std::move(members[i]));
  return handle.release();
}

}  // namespace

extern "C" {

KCELL_API kcell_status kcell_model_save(const kcell_model* model, const char* path) {
  return guarded([&] {
    require(model, "model");
    const InUse<kcell_model> model_use(model, "the model", Access::shared);
    require(path, "path");
    kcell::model::save_models(model->members(), path, kcell_version());
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
        kcell::model::save_models_to_memory(model->members(), kcell_version());
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
    *out = new_handle(kcell::model::load_models(path));
  });
}

KCELL_API kcell_status kcell_model_load_from_memory(const void* data, size_t size,
                                                    kcell_model** out) {
  return guarded([&] {
    require(data, "data");
    require(out, "out");
    *out = new_handle(kcell::model::load_models_from_memory(data, size));
  });
}

KCELL_API kcell_status kcell_model_ensemble_create(const kcell_model* const* models, size_t count,
                                                   kcell_model** out) {
  return guarded([&] {
    require(out, "out");
    if (count > 0) require(models, "models");
    if (count > kcell::model::kMaxEnsembleMembers)
      kcell::fail(Status::invalid_argument, "an ensemble needs 1 to " +
                                                std::to_string(kcell::model::kMaxEnsembleMembers) +
                                                " models, not " + std::to_string(count));
    // Every input is in use until its copy is made: a free meanwhile (another thread) is
    // deferred, and a model being trained or renamed is refused as busy.
    std::deque<InUse<kcell_model>> uses;
    for (size_t i = 0; i < count; ++i) {
      if (models[i] == nullptr)
        kcell::fail(Status::invalid_argument, "models[" + std::to_string(i) + "] is NULL");
      const std::string what = "models[" + std::to_string(i) + "]";
      uses.emplace_back(models[i], what.c_str(), Access::shared);
    }
    // Copies through the file format, so the ensemble owns members exactly as a saved and
    // loaded file would give them; an ensemble among `models` adds all its members.
    std::vector<kcell::model::Model*> sources;
    for (size_t i = 0; i < count; ++i)
      for (kcell::model::Model* m : models[i]->members()) sources.push_back(m);
    if (sources.size() > kcell::model::kMaxEnsembleMembers)  // before copying any
      kcell::model::check_ensemble_members({sources.begin(), sources.end()});
    kcell::model::Members members;
    for (kcell::model::Model* m : sources) {
      const std::vector<uint8_t> bytes = kcell::model::save_model_to_memory(*m, kcell_version());
      members.push_back(kcell::model::load_model_from_memory(bytes.data(), bytes.size()));
    }
    std::vector<const kcell::model::Model*> views;
    for (const auto& m : members) views.push_back(m.get());
    kcell::model::check_ensemble_members(views);
    *out = new_handle(std::move(members));
  });
}

KCELL_API kcell_status kcell_model_member_count(const kcell_model* model, size_t* count) {
  return guarded([&] {
    require(model, "model");
    const InUse<kcell_model> model_use(model, "the model", Access::shared);
    require(count, "count");
    *count = 1 + model->more.size();
  });
}

KCELL_API void kcell_free(void* memory) { std::free(memory); }

}  // extern "C"
