// Settings of a training run, and what it reports while it runs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "data/augment.hpp"
#include "infer/loss.hpp"
#include "nn/network.hpp"
#include "train/optimizer.hpp"
#include "train/schedule.hpp"

namespace kcell::train {

// Told to the progress callback after every batch (phase 0) and after each epoch's
// validation (phase 1, with the epoch's final training numbers).
struct Progress {
  int epoch = 0;  // 0-based
  int epochs = 0;
  size_t batch = 0;  // batches done in this epoch, 1-based
  size_t batches = 0;
  double loss = 0.0;      // mean training loss over the epoch so far
  double accuracy = 0.0;  // training accuracy over the epoch so far
  double seconds = 0.0;   // since the epoch started
  int phase = 0;
  double val_loss = 0.0;      // phase 1: the epoch's validation loss; NaN otherwise
  double val_accuracy = 0.0;  // phase 1: its validation accuracy; NaN otherwise
};

struct EpochStats {
  int epoch = 0;
  double train_loss = 0.0;  // as seen during the epoch (running, training mode)
  double train_accuracy = 0.0;
  double val_loss = 0.0;  // NaN without validation data
  double val_accuracy = 0.0;
  double val_balanced_accuracy = 0.0;  // NaN without validation data
  double val_auc = 0.0;                // macro one-vs-rest AUC; NaN without validation or undefined
  double train_val_gap = 0.0;          // train_accuracy - val_accuracy, the overfitting signal
  double learning_rate = 0.0;          // of the epoch's last step
  double seconds = 0.0;                // validation included
};

// Which validation number picks the best epoch (and may stop training early).
enum class Monitor { none, val_loss, val_accuracy, val_balanced_accuracy, val_auc };

struct EarlyStopping {
  Monitor monitor = Monitor::none;  // none: the model keeps the last epoch's weights
  int patience = 0;        // stop after this many validations without improvement; 0: never;
                           // < 0: automatic (train/recipe.hpp)
  double min_delta = 0.0;  // an improvement must beat the best by more than this
};

// What a completed train() call did.
struct TrainResult {
  int epochs_run = 0;   // epochs completed in this call
  int best_epoch = -1;  // 0-based epoch of this call whose weights the model holds; -1
                        // without a monitor
  bool stopped_early = false;
};

// The decision bias fitted after training (model::DecisionRule): none (plain argmax),
// to the validation priors, to equal priors (balanced), or automatic: balanced when the
// training and validation class mixes differ beyond chance (train/prior_shift.hpp), the
// validation priors otherwise.
enum class DecisionFit { none, automatic, validation_priors, balanced };

// Neutral settings of the mechanism; train::recommended_config() (train/recipe.hpp) is the
// recipe the front ends use.
struct TrainConfig {
  int epochs = 10;  // 0: automatic (train/recipe.hpp)
  int batch_size = 128;
  double learning_rate = 1e-3;
  OptimizerConfig optimizer;
  ScheduleKind schedule = ScheduleKind::constant;
  double warmup_epochs = 0.0;  // < 0: automatic; never more than a fifth of the run
  // Validate (and maybe stop early) after every this many epochs and after the last; 0:
  // automatic.
  int validate_every = 1;
  infer::LossOptions loss;
  EarlyStopping early_stopping;
  // Inverse class frequency over the training split, normalised to mean 1 over the classes
  // present (absent classes weigh 0). Excludes loss.class_weights.
  bool auto_class_weights = false;
  // With auto_class_weights: weight[c] proportional to count[c]^-power (1: inverse
  // frequency, 0.5: inverse square root).
  double class_weight_power = 1.0;
  // With validation data: after training, fit the per-class decision bias on the
  // validation split (infer/decision_bias.hpp) and keep it in the model.
  DecisionFit decision = DecisionFit::none;
  // Each epoch draws split-count images class-balanced with replacement instead of a
  // shuffle (train::balanced_indices).
  bool balanced_sampler = false;
  // Multi-label models (binary cross-entropy, infer/bce_loss.hpp): the weight of each
  // label's positives (empty: 1 each), or automatic ones from the training split
  // (train::positive_weights), which exclude given ones. Multi-class models refuse both.
  std::vector<float> pos_weights;
  bool auto_pos_weights = false;
  data::AugmentOptions augment;  // training batches only; nothing enabled by default
  // An exponential moving average of the weights and batch-norm statistics, updated after
  // every optimiser step (train/weight_average.hpp), is what validation, model selection,
  // the decision-bias fit and the final model use. 0: off; in (0, 1): its decay; < 0:
  // automatic (train/recipe.hpp).
  double ema_decay = 0.0;
  // Mixup / cutmix of training batches (train/batch_mixing.hpp): Beta(alpha, alpha)
  // shares; 0: off. With both, each batch uses one of them, chosen evenly.
  float mixup_alpha = 0.f;
  float cutmix_alpha = 0.f;
  uint64_t seed = 42;   // shuffling, sampling, augmentation and dropout
  int num_threads = 0;  // 0: the kcell_set_num_threads() value
  // Arithmetic of the training steps (validation stays fp32). bf16 needs AVX-512 BF16:
  // train() throws Status::unsupported before changing the model otherwise.
  nn::Precision precision = nn::Precision::fp32;
  // Non-empty: after every epoch, a checkpoint is written there atomically
  // (train/checkpoint.hpp), recording kcell_version as the writer.
  std::string checkpoint_path;
  std::string kcell_version;
  // With checkpoint_path: if that file exists, continue the run it records (which must
  // have the same settings, data and model) instead of starting anew.
  bool resume = false;
  // Return false to cancel. Called on the training thread.
  std::function<bool(const Progress&)> progress;
  // Receives each completed epoch's record, before the phase-1 progress call.
  std::function<void(const EpochStats&)> on_epoch;
};

}  // namespace kcell::train
