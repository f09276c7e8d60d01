// Training parameters through the C API: defaults, struct_size versioning, conversion to
// train::TrainConfig, and the _init functions.
#include "api/train_params.hpp"

#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>

#include "api/arguments.hpp"
#include "api/guard.hpp"
#include "common/threads.hpp"
#include "train/recipe.hpp"

using kcell::Status;
using kcell::api::guarded;
using kcell::api::raw_enum;
using kcell::api::require;

namespace {

kcell_optimizer optimizer_enum(kcell::train::OptimizerKind kind) {
  switch (kind) {
    case kcell::train::OptimizerKind::sgd:
      return KCELL_OPTIMIZER_SGD;
    case kcell::train::OptimizerKind::adam:
      return KCELL_OPTIMIZER_ADAM;
    case kcell::train::OptimizerKind::adamw:
      break;
  }
  return KCELL_OPTIMIZER_ADAMW;
}

kcell_schedule schedule_enum(kcell::train::ScheduleKind kind) {
  switch (kind) {
    case kcell::train::ScheduleKind::constant:
      return KCELL_SCHEDULE_CONSTANT;
    case kcell::train::ScheduleKind::multistep:
      return KCELL_SCHEDULE_MULTISTEP;
    case kcell::train::ScheduleKind::cosine:
      break;
  }
  return KCELL_SCHEDULE_COSINE;
}

int decision_value(kcell::train::DecisionFit fit) {
  switch (fit) {
    case kcell::train::DecisionFit::none:
      return KCELL_DECISION_ARGMAX;
    case kcell::train::DecisionFit::validation_priors:
      return KCELL_DECISION_VALIDATION_PRIORS;
    case kcell::train::DecisionFit::balanced:
      return KCELL_DECISION_BALANCED;
    case kcell::train::DecisionFit::automatic:
      break;
  }
  return KCELL_DECISION_AUTO;
}

void fill_defaults(kcell_augmentation& a);

// The shortest decimal that reads back as `f`, as a double: the recipe's 0.1f is 0.1 in the
// C struct (as the program's options write it), not 0.100000001490116.
double as_decimal(float f) {
  char text[32];
  for (int digits = 1; digits < 10; ++digits) {
    std::snprintf(text, sizeof text, "%.*g", digits, static_cast<double>(f));
    const double d = std::strtod(text, nullptr);
    if (static_cast<float>(d) == f) return d;
  }
  return f;
}

// The recipe's augmentation, owned by the library so that default params can point to it.
const kcell_augmentation& recipe_augmentation() {
  static const kcell_augmentation a = [] {
    const kcell::data::AugmentOptions r = kcell::train::recommended_config().augment;
    kcell_augmentation x;
    fill_defaults(x);
    x.hflip = as_decimal(r.hflip);
    x.vflip = as_decimal(r.vflip);
    x.rot90 = as_decimal(r.rot90);
    x.rotate = as_decimal(r.rotate);
    x.rotate_degrees = as_decimal(r.rotate_degrees);
    x.shift = r.shift;
    x.brightness = as_decimal(r.brightness);
    x.contrast = as_decimal(r.contrast);
    x.erase = as_decimal(r.erase);
    x.erase_max_area = as_decimal(r.erase_max_area);
    return x;
  }();
  return a;
}

// The defaults are the recipe of train::recommended_config(), stated there once.
void fill_defaults(kcell_train_params& p) {
  const kcell::train::TrainConfig r = kcell::train::recommended_config();
  p = kcell_train_params{};
  p.struct_size = sizeof(kcell_train_params);
  p.epochs = r.epochs;
  p.batch_size = r.batch_size;
  p.optimizer = optimizer_enum(r.optimizer.kind);
  p.learning_rate = r.learning_rate;
  p.momentum = r.optimizer.momentum;
  p.nesterov = r.optimizer.nesterov ? 1 : 0;
  p.beta1 = r.optimizer.beta1;
  p.beta2 = r.optimizer.beta2;
  p.epsilon = r.optimizer.epsilon;
  p.weight_decay = r.optimizer.weight_decay;
  p.decay_bias_and_norm = r.optimizer.decay_bias_and_norm ? 1 : 0;
  p.schedule = schedule_enum(r.schedule);
  p.warmup_epochs = r.warmup_epochs;
  p.class_weights = nullptr;
  p.label_smoothing = r.loss.label_smoothing;
  p.seed = r.seed;
  p.num_threads = 0;
  p.progress = nullptr;
  p.progress_user_data = nullptr;
  p.monitor = KCELL_MONITOR_AUTO;  // r.early_stopping.monitor when there is validation data
  p.patience = r.early_stopping.patience;
  p.min_delta = r.early_stopping.min_delta;
  p.auto_class_weights = !r.auto_class_weights         ? KCELL_CLASS_WEIGHTS_NONE
                         : r.class_weight_power == 1.0 ? KCELL_CLASS_WEIGHTS_INVERSE
                                                       : KCELL_CLASS_WEIGHTS_SQRT;
  p.balanced_sampler = r.balanced_sampler ? 1 : 0;
  p.augmentation = &recipe_augmentation();
  p.checkpoint_path = nullptr;
  p.resume = 0;
  p.precision = KCELL_PRECISION_AUTO;  // r.precision: the recipe's automatic_precision()
  p.validate_every = r.validate_every;
  p.fit_decision_bias = decision_value(r.decision);
  p.ema_decay = r.ema_decay;
  p.mixup_alpha = r.mixup_alpha;
  p.cutmix_alpha = r.cutmix_alpha;
  p.pos_weights = nullptr;
  p.auto_pos_weights = r.auto_pos_weights ? 1 : 0;
  p.communicator = nullptr;
  p.sync_batch_norm = kcell::train::RunRanks{}.sync_batch_norm ? 1 : 0;
}

void fill_defaults(kcell_augmentation& a) {
  a = kcell_augmentation{};  // every probability and range 0: off
  a.struct_size = sizeof(kcell_augmentation);
  a.erase_max_area = 0.25;
}

// A caller built against an older header passes a smaller struct: each field that lies
// wholly inside its struct_size is taken, the others keep their defaults. A larger struct
// (a newer header) contributes the fields known here.
#define KCELL_TAKE(field)                                                              \
  if (size >= offsetof(std::remove_reference_t<decltype(p)>, field) + sizeof(p.field)) \
  std::memcpy(&p.field, &in->field, sizeof(p.field))

// The caller's augmentation over the defaults (the defaults when NULL).
kcell_augmentation versioned_augmentation(const kcell_augmentation* in) {
  kcell_augmentation p;
  fill_defaults(p);
  if (!in) return p;
  const size_t size = kcell::api::caller_struct_size(
      in, "augmentation", "fill augmentation with kcell_augmentation_default() first");
  KCELL_TAKE(hflip);
  KCELL_TAKE(vflip);
  KCELL_TAKE(rot90);
  KCELL_TAKE(rotate);
  KCELL_TAKE(rotate_degrees);
  KCELL_TAKE(shift);
  KCELL_TAKE(brightness);
  KCELL_TAKE(contrast);
  KCELL_TAKE(erase);
  KCELL_TAKE(erase_max_area);
  return p;
}

kcell::train::OptimizerKind optimizer_kind(int o) {
  switch (o) {
    case KCELL_OPTIMIZER_SGD:
      return kcell::train::OptimizerKind::sgd;
    case KCELL_OPTIMIZER_ADAM:
      return kcell::train::OptimizerKind::adam;
    case KCELL_OPTIMIZER_ADAMW:
      return kcell::train::OptimizerKind::adamw;
    default:
      break;
  }
  kcell::fail(Status::invalid_argument, "unknown optimizer " + std::to_string(o));
}

kcell::train::ScheduleKind schedule_kind(int s) {
  switch (s) {
    case KCELL_SCHEDULE_CONSTANT:
      return kcell::train::ScheduleKind::constant;
    case KCELL_SCHEDULE_MULTISTEP:
      return kcell::train::ScheduleKind::multistep;
    case KCELL_SCHEDULE_COSINE:
      return kcell::train::ScheduleKind::cosine;
    default:
      break;
  }
  kcell::fail(Status::invalid_argument, "unknown schedule " + std::to_string(s));
}

kcell::train::Monitor monitor_kind(int m) {
  switch (m) {
    case KCELL_MONITOR_NONE:
      return kcell::train::Monitor::none;
    case KCELL_MONITOR_VAL_LOSS:
      return kcell::train::Monitor::val_loss;
    case KCELL_MONITOR_VAL_ACCURACY:
      return kcell::train::Monitor::val_accuracy;
    case KCELL_MONITOR_VAL_BALANCED_ACCURACY:
      return kcell::train::Monitor::val_balanced_accuracy;
    case KCELL_MONITOR_VAL_AUC:
      return kcell::train::Monitor::val_auc;
    case KCELL_MONITOR_AUTO:
      return kcell::train::recommended_config().early_stopping.monitor;
    default:
      break;
  }
  kcell::fail(Status::invalid_argument, "unknown monitor " + std::to_string(m));
}

// A double as float; values past float's range become infinities (a plain conversion would
// be undefined), which the trainer's range checks refuse with a message.
float to_float_or_infinity(double v) {
  if (std::isnan(v) || std::fabs(v) <= static_cast<double>(std::numeric_limits<float>::max()))
    return static_cast<float>(v);
  return v > 0 ? std::numeric_limits<float>::infinity() : -std::numeric_limits<float>::infinity();
}

kcell::nn::Precision precision_kind(int p) {
  switch (p) {
    case KCELL_PRECISION_FP32:
      return kcell::nn::Precision::fp32;
    case KCELL_PRECISION_BF16:
      return kcell::nn::Precision::bf16;
    case KCELL_PRECISION_AUTO:
      return kcell::train::automatic_precision();
    case KCELL_PRECISION_INT8:
      kcell::fail(Status::unsupported, "int8 is an inference precision; train in fp32 or bf16");
    default:
      break;
  }
  kcell::fail(Status::invalid_argument, "unknown precision " + std::to_string(p));
}

kcell::train::DecisionFit decision_fit(int d) {
  switch (d) {
    case KCELL_DECISION_ARGMAX:
      return kcell::train::DecisionFit::none;
    case KCELL_DECISION_AUTO:
      return kcell::train::DecisionFit::automatic;
    case KCELL_DECISION_VALIDATION_PRIORS:
      return kcell::train::DecisionFit::validation_priors;
    case KCELL_DECISION_BALANCED:
      return kcell::train::DecisionFit::balanced;
    default:
      break;
  }
  kcell::fail(Status::invalid_argument,
              "fit_decision_bias must be a kcell_decision: 0 (argmax), 1 (auto), 2 "
              "(validation priors) or 3 (balanced), got " +
                  std::to_string(d));
}

kcell::data::AugmentOptions augment_options(const kcell_augmentation& a) {
  kcell::data::AugmentOptions o;
  o.hflip = static_cast<float>(a.hflip);
  o.vflip = static_cast<float>(a.vflip);
  o.rot90 = static_cast<float>(a.rot90);
  o.rotate = static_cast<float>(a.rotate);
  o.rotate_degrees = static_cast<float>(a.rotate_degrees);
  o.shift = a.shift;
  o.brightness = static_cast<float>(a.brightness);
  o.contrast = static_cast<float>(a.contrast);
  o.erase = static_cast<float>(a.erase);
  o.erase_max_area = static_cast<float>(a.erase_max_area);
  return o;  // ranges are checked by the trainer (NaN stays NaN and is rejected there)
}

// The _init functions: the first struct_size bytes of the defaults into the caller's struct.
template <class Struct>
kcell_status init_with_defaults(Struct* out, size_t struct_size, const char* name) {
  return guarded([&] {
    require(out, name);
    Struct full;
    fill_defaults(full);
    kcell::api::copy_sized(&full, sizeof full, out, struct_size);
  });
}

}  // namespace

namespace kcell::api {

// The caller's parameters over the defaults.
kcell_train_params versioned_params(const kcell_train_params* in) {
  kcell_train_params p;
  fill_defaults(p);
  if (!in) return p;
  const size_t size = kcell::api::caller_struct_size(
      in, "params", "fill params with kcell_train_params_default() first");
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
  KCELL_TAKE(monitor);
  KCELL_TAKE(patience);
  KCELL_TAKE(min_delta);
  KCELL_TAKE(auto_class_weights);
  KCELL_TAKE(balanced_sampler);
  KCELL_TAKE(augmentation);
  KCELL_TAKE(checkpoint_path);
  KCELL_TAKE(resume);
  KCELL_TAKE(precision);
  KCELL_TAKE(validate_every);
  KCELL_TAKE(fit_decision_bias);
  KCELL_TAKE(ema_decay);
  KCELL_TAKE(mixup_alpha);
  KCELL_TAKE(cutmix_alpha);
  KCELL_TAKE(pos_weights);
  KCELL_TAKE(auto_pos_weights);
  KCELL_TAKE(communicator);
  KCELL_TAKE(sync_batch_norm);
  return p;
}
#undef KCELL_TAKE

kcell::train::TrainConfig to_config(const kcell_train_params& p, int num_classes, bool has_val,
                                    kcell_history* history) {
  if (p.num_threads < 0)
    kcell::fail(Status::invalid_argument,
                "num_threads must be 0 or more, got " + std::to_string(p.num_threads));
  kcell::train::TrainConfig c;
  c.epochs = p.epochs;
  c.batch_size = p.batch_size;
  c.learning_rate = p.learning_rate;
  c.optimizer.kind = optimizer_kind(p.optimizer);
  c.optimizer.momentum = p.momentum;
  c.optimizer.nesterov = p.nesterov != 0;
  c.optimizer.beta1 = p.beta1;
  c.optimizer.beta2 = p.beta2;
  c.optimizer.epsilon = p.epsilon;
  c.optimizer.weight_decay = p.weight_decay;
  c.optimizer.decay_bias_and_norm = p.decay_bias_and_norm != 0;
  c.schedule = schedule_kind(p.schedule);
  c.warmup_epochs = p.warmup_epochs;
  if (p.class_weights) c.loss.class_weights.assign(p.class_weights, p.class_weights + num_classes);
  if (!(p.label_smoothing >= 0.0 && p.label_smoothing < 1.0))
    kcell::fail(Status::invalid_argument,
                "label smoothing must be in [0, 1), got " + std::to_string(p.label_smoothing));
  c.loss.label_smoothing = static_cast<float>(p.label_smoothing);
  c.early_stopping.monitor = p.monitor == KCELL_MONITOR_AUTO && !has_val
                                 ? kcell::train::Monitor::none
                                 : monitor_kind(p.monitor);
  c.early_stopping.patience = p.patience;
  c.early_stopping.min_delta = p.min_delta;
  if (p.auto_class_weights < KCELL_CLASS_WEIGHTS_NONE ||
      p.auto_class_weights > KCELL_CLASS_WEIGHTS_SQRT)
    kcell::fail(Status::invalid_argument,
                "auto_class_weights must be 0 (none), 1 (inverse) or 2 (sqrt), got " +
                    std::to_string(p.auto_class_weights));
  // Explicit weights win over the automatic ones (which are on by default).
  switch (p.class_weights ? KCELL_CLASS_WEIGHTS_NONE : p.auto_class_weights) {
    case KCELL_CLASS_WEIGHTS_NONE:
      break;
    case KCELL_CLASS_WEIGHTS_INVERSE:
      c.auto_class_weights = true;
      break;
    case KCELL_CLASS_WEIGHTS_SQRT:
      c.auto_class_weights = true;
      c.class_weight_power = 0.5;
      break;
    default:
      kcell::fail(Status::invalid_argument,
                  "auto_class_weights must be 0 (none), 1 (inverse) or 2 (sqrt), got " +
                      std::to_string(p.auto_class_weights));
  }

  c.balanced_sampler = p.balanced_sampler != 0;
  c.augment = augment_options(versioned_augmentation(p.augmentation));
  c.seed = p.seed;
  c.num_threads = p.num_threads;
  if (p.checkpoint_path) {
    if (p.checkpoint_path[0] == '\0')
      kcell::fail(Status::invalid_argument, "checkpoint_path is empty; give a file or NULL");
    c.checkpoint_path = p.checkpoint_path;
    c.kcell_version = kcell_version();
  }
  if (p.resume && !p.checkpoint_path)
    kcell::fail(Status::invalid_argument, "resume needs a checkpoint_path");
  c.resume = p.resume != 0;
  c.precision = precision_kind(p.precision);
  if (p.validate_every < 0)
    kcell::fail(Status::invalid_argument, "validate_every must be 0 (automatic) or more, got " +
                                              std::to_string(p.validate_every));
  c.validate_every = p.validate_every;
  c.decision = decision_fit(p.fit_decision_bias);
  c.ema_decay = p.ema_decay;  // the trainer checks these before anything changes
  c.mixup_alpha = to_float_or_infinity(p.mixup_alpha);
  c.cutmix_alpha = to_float_or_infinity(p.cutmix_alpha);
  if (p.pos_weights) c.pos_weights.assign(p.pos_weights, p.pos_weights + num_classes);
  c.auto_pos_weights = p.auto_pos_weights != 0;
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
      out.val_loss = in.val_loss;
      out.val_accuracy = in.val_accuracy;
      return fn(&out, user) == 0;
    };
  }
  if (history) {
    c.on_epoch = [history](const kcell::train::EpochStats& s) {
      history->epochs.push_back(
          kcell_epoch_stats{sizeof(kcell_epoch_stats), s.epoch, s.train_loss, s.train_accuracy,
                            s.val_loss, s.val_accuracy, s.learning_rate, s.seconds,
                            s.val_balanced_accuracy, s.val_auc, s.train_val_gap});
    };
  }
  return c;
}

}  // namespace kcell::api

extern "C" {

KCELL_API const char* kcell_recommended_architecture(void) {
  return kcell::train::recommended_architecture(0);
}

KCELL_API const char* kcell_recommended_architecture_for(size_t training_images) {
  return kcell::train::recommended_architecture(training_images);
}

KCELL_API kcell_status kcell_train_params_init(kcell_train_params* params, size_t struct_size) {
  return init_with_defaults(params, struct_size, "params");
}

KCELL_API kcell_status kcell_augmentation_init(kcell_augmentation* augmentation,
                                               size_t struct_size) {
  return init_with_defaults(augmentation, struct_size, "augmentation");
}

}  // extern "C"
