// Training and evaluation through the C API: parameter defaults and their conversion
// (struct_size versioning), the history handle, kcell_train and kcell_evaluate.
#include <cmath>
#include <cstddef>
#include <cstring>
#include <memory>
#include <string>

#include "api/guard.hpp"
#include "api/handles.hpp"
#include "common/threads.hpp"
#include "model/model.hpp"
#include "train/evaluate.hpp"
#include "train/trainer.hpp"

using kcell::Status;
using kcell::api::guarded;
using kcell::api::require;

namespace {

constexpr int evaluation_batch_size = 128;

void fill_defaults(kcell_train_params& p) {
  p = kcell_train_params{};
  p.struct_size = sizeof(kcell_train_params);
  p.epochs = 10;
  p.batch_size = 128;
  p.optimizer = KCELL_OPTIMIZER_ADAM;
  p.learning_rate = 1e-3;
  p.momentum = 0.9;
  p.nesterov = 0;
  p.beta1 = 0.9;
  p.beta2 = 0.999;
  p.epsilon = 1e-8;
  p.weight_decay = 0.0;
  p.decay_bias_and_norm = 0;
  p.schedule = KCELL_SCHEDULE_CONSTANT;
  p.warmup_epochs = 0.0;
  p.class_weights = nullptr;
  p.label_smoothing = 0.0;
  p.seed = 42;
  p.num_threads = 0;
  p.progress = nullptr;
  p.progress_user_data = nullptr;
}

// The caller's parameters over the defaults. A caller built against an older header passes
// a smaller struct: each field that lies wholly inside its struct_size is taken, the others
// keep their defaults. A larger struct (a newer header) contributes the fields known here.
kcell_train_params versioned_params(const kcell_train_params* in) {
  kcell_train_params p;
  fill_defaults(p);
  if (!in) return p;
  const size_t size = in->struct_size;
  if (size < offsetof(kcell_train_params, epochs))
    kcell::fail(Status::invalid_argument,
                "params->struct_size is " + std::to_string(size) +
                    "; fill params with kcell_train_params_default() first");
  // memcpy, not assignment: an enum field may hold a value outside the enum, which C++
  // must not load as that enum type (raw_enum reads it later).
#define KCELL_TAKE(field)                                              \
  if (size >= offsetof(kcell_train_params, field) + sizeof(p.field)) \
  std::memcpy(&p.field, &in->field, sizeof(p.field))
  KCELL_TAKE(epochs);
  KCELL_TAKE(batch_size);
  KCELL_TAKE(optimizer);
  KCELL_TAKE(learning_rate);
  KCELL_TAKE(momentum);
  KCELL_TAKE(nesterov);
  KCELL_TAKE(beta1);
  KCELL_TAKE(beta2);
  KCELL_TAKE(epsilon);
  KCELL_TAKE(weight_decay);
  KCELL_TAKE(decay_bias_and_norm);
  KCELL_TAKE(schedule);
  KCELL_TAKE(warmup_epochs);
  KCELL_TAKE(class_weights);
  KCELL_TAKE(label_smoothing);
  KCELL_TAKE(seed);
  KCELL_TAKE(num_threads);
  KCELL_TAKE(progress);
  KCELL_TAKE(progress_user_data);
#undef KCELL_TAKE
  return p;
}

// The number a C caller stored in an enum, read without loading it as the C++ enum type
// (a value outside the enumerators would be undefined behaviour there).
template <class Enum>
int raw_enum(const Enum& e) {
  static_assert(sizeof(Enum) == sizeof(int), "C enums are int-sized here");
  int value;
  std::memcpy(&value, &e, sizeof value);
  return value;
}

kcell::train::OptimizerKind optimizer_kind(int o) {
  switch (o) {
    case KCELL_OPTIMIZER_SGD: return kcell::train::OptimizerKind::sgd;
    case KCELL_OPTIMIZER_ADAM: return kcell::train::OptimizerKind::adam;
    case KCELL_OPTIMIZER_ADAMW: return kcell::train::OptimizerKind::adamw;
    default: break;
  }
  kcell::fail(Status::invalid_argument, "unknown optimizer " + std::to_string(o));
}

kcell::train::ScheduleKind schedule_kind(int s) {
  switch (s) {
    case KCELL_SCHEDULE_CONSTANT: return kcell::train::ScheduleKind::constant;
    case KCELL_SCHEDULE_MULTISTEP: return kcell::train::ScheduleKind::multistep;
    case KCELL_SCHEDULE_COSINE: return kcell::train::ScheduleKind::cosine;
    default: break;
  }
  kcell::fail(Status::invalid_argument, "unknown schedule " + std::to_string(s));
}

kcell::train::TrainConfig to_config(const kcell_train_params& p, int num_classes,
                                    kcell_history* history) {
  if (p.num_threads < 0)
    kcell::fail(Status::invalid_argument,
                "num_threads must be 0 or more, got " + std::to_string(p.num_threads));
  kcell::train::TrainConfig c;
  c.epochs = p.epochs;
  c.batch_size = p.batch_size;
  c.learning_rate = p.learning_rate;
  c.optimizer.kind = optimizer_kind(raw_enum(p.optimizer));
  c.optimizer.momentum = p.momentum;
  c.optimizer.nesterov = p.nesterov != 0;
  c.optimizer.beta1 = p.beta1;
  c.optimizer.beta2 = p.beta2;
  c.optimizer.epsilon = p.epsilon;
  c.optimizer.weight_decay = p.weight_decay;
  c.optimizer.decay_bias_and_norm = p.decay_bias_and_norm != 0;
  c.schedule = schedule_kind(raw_enum(p.schedule));
  c.warmup_epochs = p.warmup_epochs;
  if (p.class_weights)
    c.loss.class_weights.assign(p.class_weights, p.class_weights + num_classes);
  if (!(p.label_smoothing >= 0.0 && p.label_smoothing < 1.0))
    kcell::fail(Status::invalid_argument, "label smoothing must be in [0, 1), got " +
                                              std::to_string(p.label_smoothing));
  c.loss.label_smoothing = static_cast<float>(p.label_smoothing);
  c.seed = p.seed;
  c.num_threads = p.num_threads;
  if (p.progress) {
    const kcell_progress_fn fn = p.progress;
    void* user = p.progress_user_data;
    c.progress = [fn, user](const kcell::train::Progress& in) {
      kcell_progress out;
      out.epoch = in.epoch;
      out.epochs = in.epochs;
      out.batch = in.batch;
      out.batches = in.batches;
      out.loss = in.loss;
      out.accuracy = in.accuracy;
      out.seconds = in.seconds;
      out.phase = in.phase;
      return fn(&out, user) == 0;
    };
  }
  if (history) {
    c.on_epoch = [history](const kcell::train::EpochStats& s) {
      history->epochs.push_back(kcell_epoch_stats{s.epoch, s.train_loss, s.train_accuracy,
                                                  s.val_loss, s.val_accuracy,
                                                  s.learning_rate, s.seconds});
    };
  }
  return c;
}

// Puts the thread count back to the kcell_set_num_threads() value when a call ends.
struct DefaultThreadsOnExit {
  ~DefaultThreadsOnExit() { kcell::apply_threads(0); }
};

}  // namespace

extern "C" {

KCELL_API kcell_status kcell_train_params_init(kcell_train_params* params,
                                               size_t struct_size) {
  return guarded([&] {
    require(params, "params");
    kcell_train_params full;
    fill_defaults(full);
    kcell::api::copy_sized(&full, sizeof full, params, struct_size);
  });
}

KCELL_API kcell_status kcell_history_create(kcell_history** out) {
  return guarded([&] {
    require(out, "out");
    *out = new kcell_history();
  });
}

KCELL_API void kcell_history_free(kcell_history* history) { delete history; }

KCELL_API kcell_status kcell_history_count(const kcell_history* history, size_t* count) {
  return guarded([&] {
    require(history, "history");
    require(count, "count");
    *count = history->epochs.size();
  });
}

KCELL_API kcell_status kcell_history_epoch(const kcell_history* history, size_t index,
                                           kcell_epoch_stats* stats) {
  return guarded([&] {
    require(history, "history");
    require(stats, "stats");
    if (index >= history->epochs.size())
      kcell::fail(Status::invalid_argument,
                  "epoch index " + std::to_string(index) + " is past the " +
                      std::to_string(history->epochs.size()) + " recorded epochs");
    *stats = history->epochs[index];
  });
}

KCELL_API kcell_status kcell_train(kcell_model* model, const kcell_dataset* train,
                                   const kcell_dataset* val, const kcell_train_params* params,
                                   kcell_history* history) {
  return guarded([&] {
    require(model, "model");
    require(train, "train");
    const kcell_train_params p = versioned_params(params);
    kcell::train::TrainConfig config = to_config(p, model->model->num_classes(), history);
    DefaultThreadsOnExit restore_threads;
    kcell::train::train(*model->model, train->data, val ? &val->data : nullptr, config);
  });
}

KCELL_API kcell_status kcell_evaluate(kcell_model* model, const kcell_dataset* dataset,
                                      kcell_split split, kcell_metrics* metrics) {
  return guarded([&] {
    require(model, "model");
    require(dataset, "dataset");
    require(metrics, "metrics");
    const int which = raw_enum(split);
    if (which != KCELL_SPLIT_TRAIN && which != KCELL_SPLIT_VAL && which != KCELL_SPLIT_TEST)
      kcell::fail(Status::invalid_argument, "unknown split " + std::to_string(which));
    const size_t size = metrics->struct_size;
    if (size < sizeof(size_t))
      kcell::fail(Status::invalid_argument,
                  "metrics->struct_size is " + std::to_string(size) +
                      "; set it to sizeof(kcell_metrics)");
    kcell::apply_threads(0);
    const kcell::train::Evaluation e =
        kcell::train::evaluate(*model->model, dataset->data,
                               static_cast<kcell::data::SplitId>(which), evaluation_batch_size);
    // Only the fields the caller's struct has room for.
    if (size >= offsetof(kcell_metrics, count) + sizeof(metrics->count)) metrics->count = e.count;
    if (size >= offsetof(kcell_metrics, loss) + sizeof(metrics->loss)) metrics->loss = e.loss;
    if (size >= offsetof(kcell_metrics, accuracy) + sizeof(metrics->accuracy))
      metrics->accuracy = e.accuracy;
  });
}

}  // extern "C"
