#include "train/run_record.hpp"

#include <cmath>
#include <sstream>
#include <string>

namespace kcell::train {
namespace {

const char* optimizer_name(OptimizerKind kind) {
  switch (kind) {
    case OptimizerKind::sgd:
      return "sgd";
    case OptimizerKind::adam:
      return "adam";
    case OptimizerKind::adamw:
      return "adamw";
  }
  return "unknown";
}

const char* schedule_name(ScheduleKind kind) {
  switch (kind) {
    case ScheduleKind::constant:
      return "constant";
    case ScheduleKind::multistep:
      return "multistep";
    case ScheduleKind::cosine:
      return "cosine";
  }
  return "unknown";
}

const char* monitor_name(Monitor m) {
  switch (m) {
    case Monitor::none:
      return "none";
    case Monitor::val_loss:
      return "val_loss";
    case Monitor::val_accuracy:
      return "val_accuracy";
    case Monitor::val_balanced_accuracy:
      return "val_balanced_accuracy";
    case Monitor::val_auc:
      return "val_auc";
  }
  return "unknown";
}

void put_if_finite(model::TrainingSummary& s, const char* name, double value) {
  if (std::isfinite(value))
    s.parameters[name] = value;
  else
    s.parameters.erase(name);
}

}  // namespace

decltype(model::TrainingSummary::parameters) settings_of(const TrainConfig& c) {
  decltype(model::TrainingSummary::parameters) p;
  p["epochs"] = static_cast<double>(c.epochs);
  p["batch_size"] = static_cast<double>(c.batch_size);
  p["optimizer"] = std::string(optimizer_name(c.optimizer.kind));
  p["learning_rate"] = c.learning_rate;
  if (c.optimizer.kind == OptimizerKind::sgd) {
    p["momentum"] = c.optimizer.momentum;
    p["nesterov"] = c.optimizer.nesterov ? 1.0 : 0.0;
  } else {
    p["beta1"] = c.optimizer.beta1;
    p["beta2"] = c.optimizer.beta2;
    p["epsilon"] = c.optimizer.epsilon;
  }
  p["weight_decay"] = c.optimizer.weight_decay;
  p["decay_bias_and_norm"] = c.optimizer.decay_bias_and_norm ? 1.0 : 0.0;
  p["schedule"] = std::string(schedule_name(c.schedule));
  if (c.schedule == ScheduleKind::cosine) p["warmup_epochs"] = c.warmup_epochs;
  p["label_smoothing"] = static_cast<double>(c.loss.label_smoothing);
  if (!c.loss.class_weights.empty()) {
    std::ostringstream weights;
    for (size_t i = 0; i < c.loss.class_weights.size(); ++i)
      weights << (i ? "," : "") << c.loss.class_weights[i];
    p["class_weights"] = weights.str();
  }
  p["seed"] = std::to_string(c.seed);
  if (c.early_stopping.monitor != Monitor::none) {
    p["monitor"] = std::string(monitor_name(c.early_stopping.monitor));
    p["patience"] = static_cast<double>(c.early_stopping.patience);
    p["min_delta"] = c.early_stopping.min_delta;
  }
  if (c.auto_class_weights) p["class_weights"] = std::string("auto");
  if (c.balanced_sampler) p["sampler"] = std::string("balanced");
  if (c.auto_pos_weights) p["pos_weights"] = std::string("auto");
  if (!c.pos_weights.empty()) {
    std::ostringstream weights;
    for (size_t i = 0; i < c.pos_weights.size(); ++i) weights << (i ? "," : "") << c.pos_weights[i];
    p["pos_weights"] = weights.str();
  }
  // Only when on, so that a checkpoint of a run without them still matches its run.
  if (c.ema_decay != 0.0) p["ema_decay"] = c.ema_decay;
  if (c.mixup_alpha > 0.f) p["mixup_alpha"] = static_cast<double>(c.mixup_alpha);
  if (c.cutmix_alpha > 0.f) p["cutmix_alpha"] = static_cast<double>(c.cutmix_alpha);
  const data::AugmentOptions& a = c.augment;
  if (a.any()) {
    p["augment_hflip"] = static_cast<double>(a.hflip);
    p["augment_vflip"] = static_cast<double>(a.vflip);
    p["augment_rot90"] = static_cast<double>(a.rot90);
    p["augment_rotate"] = static_cast<double>(a.rotate);
    p["augment_rotate_degrees"] = static_cast<double>(a.rotate_degrees);
    p["augment_shift"] = static_cast<double>(a.shift);
    p["augment_brightness"] = static_cast<double>(a.brightness);
    p["augment_contrast"] = static_cast<double>(a.contrast);
    p["augment_erase"] = static_cast<double>(a.erase);
    p["augment_erase_max_area"] = static_cast<double>(a.erase_max_area);
  }
  return p;
}

void record_epoch(model::TrainingSummary& summary, const EpochStats& stats) {
  ++summary.epochs_trained;
  summary.val_loss = stats.val_loss;
  summary.val_accuracy = stats.val_accuracy;
}

}  // namespace kcell::train

namespace kcell::train {

void record_best(model::TrainingSummary& summary, const EpochStats& stats) {
  put_if_finite(summary, "best_val_loss", stats.val_loss);
  put_if_finite(summary, "best_val_accuracy", stats.val_accuracy);
  put_if_finite(summary, "best_val_balanced_accuracy", stats.val_balanced_accuracy);
  put_if_finite(summary, "best_val_auc", stats.val_auc);
}

}  // namespace kcell::train
