#include "train/recipe.hpp"

#include <algorithm>
#include <cmath>

#include "common/error.hpp"
#include "nn/dnnl_compat.hpp"
#include "spec/summary.hpp"

namespace kcell::train {

const char* recommended_architecture(size_t train_count, double rate) {
  if (train_count >= kLargeSetImages) return kLargeSetArchitecture;
  return rate < kSlimBelowRate ? kSlimArchitecture : kRecommendedArchitecture;
}

const char* recommended_architecture(size_t train_count) {
  static const double rate = machine_training_rate();
  return recommended_architecture(train_count, rate);
}

TrainConfig recommended_config() {
  TrainConfig c;
  c.epochs = 0;  // automatic: resolve_length()
  c.batch_size = 128;
  c.learning_rate = 1e-3;
  c.optimizer.kind = OptimizerKind::adamw;
  c.optimizer.weight_decay = 0.05;
  c.schedule = ScheduleKind::cosine;
  c.warmup_epochs = -1.0;  // automatic
  c.class_weight_power = 0.5;
  c.auto_class_weights = true;
  // Cells and tissue have no orientation: every flip and quarter turn is another sample.
  c.augment.hflip = 0.5f;
  c.augment.vflip = 0.5f;
  c.augment.rot90 = 0.75f;
  // Stain, exposure and scanner differ between the images trained on and those met in use:
  // brightness ± 0.1 and contrast 1 ± 0.1 (docs/accuracy.md: +1.2 points of PneumoniaMNIST
  // test accuracy, 3 seeds).
  c.augment.brightness = 0.1f;
  c.augment.contrast = 0.1f;
  // Half the images also turned by up to ±15°: what is seen is the same at any angle, not
  // only at quarter turns (PneumoniaMNIST seeds 42-44: ACC 0.880 -> 0.894, AUC 0.962 -> 0.967;
  // docs/recipe-experiments.md).
  c.augment.rotate = 0.5f;
  c.augment.rotate_degrees = 15.f;
  c.early_stopping.monitor = Monitor::val_balanced_accuracy;
  c.early_stopping.patience = -1;  // automatic
  c.validate_every = 0;            // automatic
  c.decision = DecisionFit::automatic;
  c.precision = automatic_precision();
  c.ema_decay = kRecipeEmaDecay;
  return c;
}

nn::Precision automatic_precision() {
  return nn::compat::cpu_has_bf16() ? nn::Precision::bf16 : nn::Precision::fp32;
}

double relative_cost(const spec::Architecture& arch, int channels, int height, int width,
                     int num_classes) {
  try {
    const double flops = static_cast<double>(
        spec::summarize(arch, channels, height, width, num_classes).total_flops);
    const double reference = static_cast<double>(
        spec::summarize(spec::parse_architecture("reference"), channels, height, width, num_classes)
            .total_flops);
    return flops > 0.0 && reference > 0.0 ? flops / reference : 1.0;
  } catch (const Error&) {
    return 1.0;  // an input the reference does not fit (smaller than 4 px a side)
  }
}

double automatic_ema_decay(size_t total_steps) {
  const double tau = std::max(kMinEmaSteps, kEmaRunFraction * static_cast<double>(total_steps));
  return std::clamp(1.0 - 1.0 / tau, kMinEmaDecay, kMaxEmaDecay);
}

model::Tta affordable_tta(model::Tta wanted, double trained_images, size_t evaluated_images) {
  if (evaluated_images == 0 || !(trained_images >= 0.0)) return wanted;
  const double views = kTrainingPassCost * trained_images / static_cast<double>(evaluated_images);
  model::Tta tta = wanted;
  while (tta != model::Tta::none && static_cast<double>(model::tta_views(tta)) > views)
    tta = static_cast<model::Tta>(static_cast<int>(tta) - 1);
  return tta;
}

double machine_training_rate() {
  const double width = nn::compat::cpu_vector_bits() / 512.0;
  return nn::compat::cpu_has_bf16() ? width : width / 2.0;
}

TrainConfig resolve_length(const TrainConfig& config, size_t train_count, double cost,
                           double rate) {
  TrainConfig c = config;
  const size_t batch = static_cast<size_t>(std::max(1, config.batch_size));
  const size_t steps = std::max<size_t>(1, (train_count + batch - 1) / batch);
  if (c.epochs == 0) {
    const size_t wanted = (kTargetSteps + steps - 1) / steps;
    int e = static_cast<int>(std::clamp<size_t>(wanted, kMinEpochs, kMaxEpochs));
    const double budget =
        std::max(static_cast<double>(kTargetSteps),
                 static_cast<double>(kMaxSteps) * std::max(0.0, rate) / std::max(1.0, cost));
    e = std::min(e, std::max(1, static_cast<int>(budget / static_cast<double>(steps))));
    c.epochs = e;
  }
  if (c.epochs < 1) return c;  // the trainer reports the bad value
  const double epochs = static_cast<double>(c.epochs);
  if (c.warmup_epochs < 0.0) c.warmup_epochs = kWarmupFraction * epochs;
  c.warmup_epochs = std::min(c.warmup_epochs, kMaxWarmupFraction * epochs);
  if (c.validate_every == 0)
    c.validate_every = std::max(1, static_cast<int>(std::lround(epochs / kMaxValidations)));
  if (c.early_stopping.patience < 0) {
    const int validations = (c.epochs + c.validate_every - 1) / c.validate_every;
    c.early_stopping.patience = std::max(kMinPatience, (validations + 3) / 4);
  }
  if (c.ema_decay < 0.0) c.ema_decay = automatic_ema_decay(static_cast<size_t>(c.epochs) * steps);
  return c;
}

}  // namespace kcell::train
