// kcell_train: checks the handles, converts the parameters (train_params.hpp) and runs
// train::train, recording into the history handle.
#include <optional>
#include <string>

#include "api/communicator_adapter.hpp"
#include "api/guard.hpp"
#include "api/handles.hpp"
#include "api/train_params.hpp"
#include "common/atomic_file.hpp"
#include "common/threads.hpp"
#include "train/memory_estimate.hpp"
#include "train/trainer.hpp"

using kcell::Status;
using kcell::api::Access;
using kcell::api::guarded;
using kcell::api::InUse;
using kcell::api::require;

namespace {

// Puts the thread count back to the kcell_set_num_threads() value when a call ends.
struct DefaultThreadsOnExit {
  ~DefaultThreadsOnExit() { kcell::apply_threads(0); }
};

}  // namespace

extern "C" {

KCELL_API kcell_status kcell_train(kcell_model* model, const kcell_dataset* train,
                                   const kcell_dataset* val, const kcell_train_params* params,
                                   kcell_history* history) {
  return guarded([&] {
    require(model, "model");
    const InUse<kcell_model> model_use(model, "the model", Access::exclusive);
    require(train, "train");
    const InUse<kcell_dataset> train_use(train, "the train dataset", Access::shared);
    const InUse<kcell_dataset> val_use(val, "the validation dataset", Access::shared);
    if (model->is_ensemble())
      kcell::fail(Status::invalid_argument,
                  "the model is an ensemble of " + std::to_string(1 + model->more.size()) +
                      " members; train single models and combine them with "
                      "kcell_model_ensemble_create()");
    const kcell_train_params p = kcell::api::versioned_params(params);
    kcell::train::TrainConfig config =
        kcell::api::to_config(p, model->model->num_classes(), val != nullptr, history);
    std::optional<kcell::api::CCommunicator> communicator;
    kcell::train::RunRanks ranks;
    if (p.communicator) ranks.communicator = &communicator.emplace(p.communicator);
    ranks.sync_batch_norm = p.sync_batch_norm != 0;
    if (!config.checkpoint_path.empty())  // before any work, and never over the data
      kcell::check_output_file(config.checkpoint_path,
                               {train->source_path, val ? val->source_path : std::string()});
    // A model still named "0".."k-1" takes the names the training data has (an image
    // folder's class folders), before any work so that a name it refuses fails early.
    const auto& names = train->data.class_names;
    if (!model->model->has_class_names() &&
        names.size() == static_cast<size_t>(model->model->num_classes())) {
      try {
        model->model->set_class_names(names);
      } catch (const kcell::Error& e) {
        kcell::fail(e.status(), std::string("the training data's class names: ") + e.what());
      }
    }
    DefaultThreadsOnExit restore_threads;
    const size_t first_record = history ? history->epochs.size() : 0;
    if (history) history->best_epoch = -1;
    const kcell::train::TrainResult result =
        kcell::train::train(*model->model, train->data, val ? &val->data : nullptr, config, ranks);
    if (history && result.best_epoch >= 0)
      history->best_epoch = static_cast<int>(first_record) + result.best_epoch;
  });
}

KCELL_API kcell_status kcell_model_training_memory(const kcell_model* model, int batch_size,
                                                   uint64_t* parameter_bytes,
                                                   uint64_t* activation_bytes,
                                                   uint64_t* runtime_bytes) {
  return guarded([&] {
    require(model, "model");
    const InUse<kcell_model> model_use(model, "the model", Access::shared);
    const kcell::train::MemoryEstimate e =
        kcell::train::estimate_training_memory(*model->model, batch_size);
    if (parameter_bytes) *parameter_bytes = e.parameters;
    if (activation_bytes) *activation_bytes = e.activations;
    if (runtime_bytes) *runtime_bytes = e.runtime;
  });
}

}  // extern "C"
