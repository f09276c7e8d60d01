#include "train/run_record.hpp"

#include <sstream>
#include <string>

namespace kcell::train {
namespace {

const char* optimizer_name(OptimizerKind kind) {
  switch (kind) {
    case OptimizerKind::sgd: return "sgd";
    case OptimizerKind::adam: return "adam";
    case OptimizerKind::adamw: return "adamw";
  }
  return "unknown";
}

const char* schedule_name(ScheduleKind kind) {
  switch (kind) {
    case ScheduleKind::constant: return "constant";
    case ScheduleKind::multistep: return "multistep";
    case ScheduleKind::cosine: return "cosine";
  }
  return "unknown";
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
  return p;
}

void record_epoch(model::TrainingSummary& summary, const EpochStats& stats) {
  ++summary.epochs_trained;
  summary.val_loss = stats.val_loss;
  summary.val_accuracy = stats.val_accuracy;
}

}  // namespace kcell::train
