// What identifies a training run for its checkpoints: every setting that changes the
// numbers, the model's architecture and shape, and the content of the training and
// validation data. A checkpoint is only resumed by a run with the same fingerprint.
#pragma once

#include <map>
#include <string>

#include "data/dataset.hpp"
#include "model/model.hpp"
#include "train/train_config.hpp"

namespace kcell::train {

using Fingerprint = std::map<std::string, std::string>;

// Settings as settings_of() names them (numbers written exactly), "precision",
// "architecture", "input" (CxHxW), "classes", and "train_data" / "val_data" (image count
// and a 64-bit hash of the images and labels; "none" without validation data). The thread
// count is not part of it: a run resumed with other threads is valid, only not
// bit-identical to an uninterrupted one.
Fingerprint run_fingerprint(const model::Model& model, const data::Dataset& train,
                            const data::Dataset* val, const TrainConfig& config);

// The first difference between a checkpoint's fingerprint and this run's, as
// "'learning_rate' is 0.01 in the checkpoint and 0.001 here"; empty when they are equal.
std::string fingerprint_difference(const Fingerprint& saved, const Fingerprint& now);

}  // namespace kcell::train
