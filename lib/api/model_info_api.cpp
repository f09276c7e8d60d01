// Describing a model through the C API: shape and training info, architecture text,
// summary table, input normalisation, class names, decision bias and test-time augmentation.
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "api/arguments.hpp"
#include "api/guard.hpp"
#include "api/handles.hpp"
#include "model/model.hpp"
#include "spec/summary.hpp"

using kcell::Status;
using kcell::api::Access;
using kcell::api::copy_out;
using kcell::api::guarded;
using kcell::api::InUse;
using kcell::api::require;

namespace {

static_assert(KCELL_TTA_NONE == static_cast<int>(kcell::model::Tta::none) &&
                  KCELL_TTA_FLIPS == static_cast<int>(kcell::model::Tta::flips) &&
                  KCELL_TTA_FLIPS4 == static_cast<int>(kcell::model::Tta::flips4) &&
                  KCELL_TTA_DIHEDRAL == static_cast<int>(kcell::model::Tta::dihedral),
              "kcell_tta and model::Tta number the sets alike");

}  // namespace

extern "C" {

KCELL_API kcell_status kcell_model_get_info(const kcell_model* model, kcell_model_info* info) {
  return guarded([&] {
    require(model, "model");
    const InUse<kcell_model> model_use(model, "the model", Access::shared);
    require(info, "info");
    const size_t size =
        kcell::api::caller_struct_size(info, "info", "set it to sizeof(kcell_model_info)");
    const kcell::model::Model& m = *model->model;
    const kcell::model::TrainingSummary& t = m.training_summary();
    kcell_model_info out;
    out.struct_size = size;
    out.channels = m.channels();
    out.height = m.height();
    out.width = m.width();
    out.num_classes = m.num_classes();
    out.num_params = m.num_params();
    out.epochs_trained = t.epochs_trained;
    out.best_epoch = t.best_epoch;
    out.val_loss = t.val_loss;
    out.val_accuracy = t.val_accuracy;
    out.task = static_cast<int32_t>(m.task());
    // Only the fields the caller's struct has room for (an older header's struct is smaller).
    std::memcpy(info, &out, size < sizeof out ? size : sizeof out);
  });
}

KCELL_API kcell_status kcell_model_architecture(const kcell_model* model, char* buffer,
                                                size_t capacity, size_t* needed) {
  return guarded([&] {
    require(model, "model");
    const InUse<kcell_model> model_use(model, "the model", Access::shared);
    copy_out(model->model->architecture().text, buffer, capacity, needed, "the architecture");
  });
}

KCELL_API kcell_status kcell_model_summary(const kcell_model* model, char* buffer, size_t capacity,
                                           size_t* needed) {
  return guarded([&] {
    require(model, "model");
    const InUse<kcell_model> model_use(model, "the model", Access::shared);
    const kcell::model::Model& m = *model->model;
    const std::string text = kcell::spec::format_summary(kcell::spec::summarize(
        m.architecture(), m.channels(), m.height(), m.width(), m.num_classes()));
    copy_out(text, buffer, capacity, needed, "the summary");
  });
}

KCELL_API kcell_status kcell_model_normalization(const kcell_model* model, float* mean, float* std,
                                                 size_t capacity) {
  return guarded([&] {
    require(model, "model");
    const InUse<kcell_model> model_use(model, "the model", Access::shared);
    require(mean, "mean");
    require(std, "std");
    const kcell::model::Model& m = *model->model;
    const size_t channels = static_cast<size_t>(m.channels());
    if (capacity < channels)
      kcell::fail(Status::buffer_too_small, "mean and std hold " + std::to_string(capacity) +
                                                " floats; the model has " +
                                                std::to_string(channels) + " channels");
    const kcell::model::Normalization& n = m.normalization();
    for (size_t c = 0; c < channels; ++c) {
      mean[c] = n.empty() ? 0.f : n.mean[c];
      std[c] = n.empty() ? 1.f : n.std[c];
    }
  });
}

KCELL_API kcell_status kcell_model_set_class_names(kcell_model* model, const char* const* names,
                                                   size_t count) {
  return guarded([&] {
    require(model, "model");
    const InUse<kcell_model> model_use(model, "the model", Access::exclusive);
    std::vector<std::string> copied;
    if (count > 0) {
      require(names, "names");
      for (size_t i = 0; i < count; ++i) {
        if (names[i] == nullptr)
          kcell::fail(Status::invalid_argument, "names[" + std::to_string(i) + "] is NULL");
        copied.emplace_back(names[i]);
      }
    }
    // Ensemble members share their class count, so if the first accepts the names (it
    // checks them before changing anything) so do the others.
    for (kcell::model::Model* m : model->members()) m->set_class_names(copied);
  });
}

KCELL_API kcell_status kcell_model_class_name(const kcell_model* model, int index, char* buffer,
                                              size_t capacity, size_t* needed) {
  return guarded([&] {
    require(model, "model");
    const InUse<kcell_model> model_use(model, "the model", Access::shared);
    copy_out(model->model->class_name(index), buffer, capacity, needed, "the class name");
  });
}

KCELL_API kcell_status kcell_model_decision_bias(const kcell_model* model, float* bias,
                                                 size_t capacity, size_t* count) {
  return guarded([&] {
    require(model, "model");
    const InUse<kcell_model> model_use(model, "the model", Access::shared);
    require(count, "count");
    const std::vector<float>& b = model->model->decision_bias();
    if (!b.empty() && capacity < b.size())
      kcell::fail(Status::buffer_too_small, "bias holds " + std::to_string(capacity) +
                                                " floats; the model has " +
                                                std::to_string(b.size()) + " classes");
    if (!b.empty()) require(bias, "bias");
    std::copy(b.begin(), b.end(), bias);
    *count = b.size();
  });
}

KCELL_API kcell_status kcell_model_decision_rule(const kcell_model* model, int32_t* rule) {
  return guarded([&] {
    require(model, "model");
    require(rule, "rule");
    const InUse<kcell_model> model_use(model, "the model", Access::shared);
    switch (model->model->decision_rule()) {
      case kcell::model::DecisionRule::argmax:
        *rule = KCELL_DECISION_ARGMAX;
        break;
      case kcell::model::DecisionRule::validation_priors:
        *rule = KCELL_DECISION_VALIDATION_PRIORS;
        break;
      case kcell::model::DecisionRule::balanced:
        *rule = KCELL_DECISION_BALANCED;
        break;
      case kcell::model::DecisionRule::given:
        *rule = KCELL_DECISION_GIVEN;
        break;
    }
  });
}

KCELL_API kcell_status kcell_model_set_decision_bias(kcell_model* model, const float* bias,
                                                     size_t count) {
  return guarded([&] {
    require(model, "model");
    const InUse<kcell_model> model_use(model, "the model", Access::exclusive);
    if (count > 0) require(bias, "bias");
    model->model->set_decision_bias(std::vector<float>(bias, bias + count));
  });
}

KCELL_API kcell_status kcell_model_tta(const kcell_model* model, int32_t* tta) {
  return guarded([&] {
    require(model, "model");
    require(tta, "tta");
    const InUse<kcell_model> model_use(model, "the model", Access::shared);
    *tta = static_cast<int32_t>(model->model->tta());
  });
}

KCELL_API kcell_status kcell_model_set_tta(kcell_model* model, int32_t tta) {
  return guarded([&] {
    require(model, "model");
    const InUse<kcell_model> model_use(model, "the model", Access::exclusive);
    if (tta < KCELL_TTA_NONE || tta > KCELL_TTA_DIHEDRAL)
      kcell::fail(Status::invalid_argument,
                  "tta must be a kcell_tta (0 none, 1 flips, 2 flips4, 3 dihedral), got " +
                      std::to_string(tta));
    // Members share their input shape: if the first accepts it, so do the others.
    for (kcell::model::Model* m : model->members())
      m->set_tta(static_cast<kcell::model::Tta>(tta), true);
  });
}

KCELL_API kcell_status kcell_model_task(const kcell_model* model, int32_t* task) {
  return guarded([&] {
    require(model, "model");
    const InUse<kcell_model> model_use(model, "the model", Access::shared);
    require(task, "task");
    *task = static_cast<int32_t>(model->model->task());
  });
}

KCELL_API kcell_status kcell_model_set_task(kcell_model* model, int32_t task) {
  return guarded([&] {
    require(model, "model");
    const InUse<kcell_model> model_use(model, "the model", Access::exclusive);
    if (task != KCELL_TASK_MULTI_CLASS && task != KCELL_TASK_MULTI_LABEL)
      kcell::fail(
          Status::invalid_argument,
          "task must be a kcell_task (0 multi-class, 1 multi-label), got " + std::to_string(task));
    // Its members are trained models of one task: changing one would break the ensemble.
    if (model->is_ensemble())
      kcell::fail(Status::invalid_argument, "an ensemble's task is its members'; it cannot change");
    model->model->set_task(static_cast<kcell::data::TaskKind>(task));
  });
}

}  // extern "C"
