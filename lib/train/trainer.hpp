// The training loop: epochs of seeded, shuffled batches; loss, backward, optimiser step and
// learning-rate schedule per batch; validation after each epoch.
#pragma once

#include "data/dataset.hpp"
#include "model/model.hpp"
#include "train/communicator.hpp"
#include "train/train_config.hpp"

namespace kcell::train {

// Trains `model` on the train split of `train`, validating on the val split of `val` (NULL
// for none) after every epoch. Learns the model's input normalisation from the training
// images if it has none yet, and keeps the run's settings, the number of completed epochs
// and the last validation numbers in the model's TrainingSummary. The same seed and thread
// count give bit-identical weights.
//
// Throws Error(cancelled) when the progress callback returns false (the model keeps the
// weights of the last completed batch), and Error(not_finite) when a loss or gradient is
// NaN or infinite: the failing step is not applied, and since the weights it started from
// produced the bad numbers, the model goes back to the state before the previous step
// (weights and batch-norm running statistics), the last whose loss and gradients were
// finite (train/last_good_state.hpp).
//
// With config.checkpoint_path, a checkpoint is written after every epoch; with
// config.resume and an existing checkpoint, the run continues after its last epoch and
// ends exactly as an uninterrupted run with the same settings and thread count would
// (train/checkpoint.hpp). A checkpoint that cannot be written stops training with
// Status::io (the model keeps the weights of the completed epochs).
//
// With a monitor in config.early_stopping (which needs `val`), the model ends with the
// parameters and batch-norm statistics of the best epoch by that number; with a patience,
// training stops once that many epochs in a row have not improved on the best.
//
// With config.ema_decay, validation, model selection, the decision-bias fit and the model
// handed back use the weight average (train/weight_average.hpp) instead of the training
// weights: the average of the best epoch, or of the last without a monitor (a cancelled
// or diverged run still keeps its training weights, as above). With mixup or cutmix
// (config.mixup_alpha, cutmix_alpha), each training batch is mixed from (seed, epoch,
// batch) alone (train/batch_mixing.hpp).
//
// With ranks.communicator, every rank of a data-parallel run calls train() with the same
// model, data and config (checked at the start: Error(13, KCELL_ERROR_COMMUNICATION) on
// every rank otherwise); each trains on its share of every global batch of
// config.batch_size × ranks images and all end with the same weights
// (train/data_parallel.hpp, docs/scaling.md). Only rank 0 writes the checkpoint. The
// progress callback runs on every rank; a cancel must happen on all of them alike.
TrainResult train(model::Model& model, const data::Dataset& train, const data::Dataset* val,
                  const TrainConfig& config, const RunRanks& ranks = {});

}  // namespace kcell::train
