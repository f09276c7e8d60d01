// Training checkpoints: after every epoch, everything a run needs to continue exactly where
// it stopped, written atomically. Format: docs/model-files.md ("Checkpoints").
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/model.hpp"
#include "train/model_selection.hpp"
#include "train/optimizer.hpp"
#include "train/run_fingerprint.hpp"
#include "train/train_config.hpp"

namespace kcell::train {

// The state of a run after a completed epoch, besides the model itself (whose weights,
// batch-norm statistics, normalisation and training summary the checkpoint keeps as a
// whole model file). The shuffles, balanced draws, augmentation and learning rate of an
// epoch derive from (seed, epoch) alone, so nothing more is needed to continue.
struct RunState {
  int epochs_before = 0;            // the model's epochs_trained when the run began
  std::vector<EpochStats> history;  // one record per completed epoch of the run
  uint64_t dropout_step = 0;        // Network::dropout_step() after the last epoch
  BestEpochTracker::State tracker;
  OptimizerState optimizer;
  WeightSnapshot best_weights;  // empty unless a monitor has found a best epoch
  // The weight average (TrainConfig::ema_decay) and its update count; empty without one.
  WeightSnapshot average;
  uint64_t average_steps = 0;
};

// Writes `model` and `state` to `path` atomically (common/atomic_file.hpp): a crash while
// writing leaves the previous checkpoint. Throws Status::io naming the path.
void write_checkpoint(const std::string& path, model::Model& model, const RunState& state,
                      const Fingerprint& fingerprint, const std::string& kcell_version);

// A checkpoint read back: the model as it was saved and the run's state.
struct Checkpoint {
  std::unique_ptr<model::Model> model;
  RunState state;
};

// Reads the checkpoint at `path` and checks it whole before anything uses it: it must be
// a kcell checkpoint of a supported version, written by a run with this `fingerprint`
// (Status::invalid_argument naming the first setting that differs otherwise), for a
// model like `model` (architecture, input, classes), with an optimizer state shaped like
// `optimizer_like`, a weight average exactly when `with_average`, and no more than
// `max_epochs` epochs. Anything else wrong is
// Status::format naming the path and the problem; Status::io if it cannot be read.
Checkpoint read_checkpoint(const std::string& path, model::Model& model,
                           const OptimizerState& optimizer_like, bool with_average,
                           const Fingerprint& fingerprint, int max_epochs);

}  // namespace kcell::train
