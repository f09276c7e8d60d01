// What a training run leaves in the model's TrainingSummary (kept in model files): its
// settings, and after each epoch the epoch count and the latest validation numbers.
#pragma once

#include "model/model.hpp"
#include "train/train_config.hpp"

namespace kcell::train {

// The run's main settings by name ("optimizer" = "adam", "learning_rate" = 0.001, ...),
// as TrainingSummary::parameters holds them. Seeds are strings: a double cannot hold
// every 64-bit value.
decltype(model::TrainingSummary::parameters) settings_of(const TrainConfig& config);

// Counts one more completed epoch and keeps its validation numbers (NaN without).
void record_epoch(model::TrainingSummary& summary, const EpochStats& stats);

// Keeps the best epoch's validation numbers among the parameters as best_val_loss,
// best_val_accuracy, best_val_balanced_accuracy and best_val_auc (finite ones only).
void record_best(model::TrainingSummary& summary, const EpochStats& stats);

}  // namespace kcell::train
