// One training run as `kcell train` and each `kcell sweep` run do it: make the model,
// name its classes, train with progress on stdout, collect the history.
#pragma once

#include <kcell/kcell.hpp>

#include "common.hpp"
#include "dataset_info.hpp"
#include "history.hpp"
#include "train_options.hpp"

namespace kcell_cli {

struct TrainingOutcome {
  kcell::Model model;
  RunHistory history;
  double seconds = 0;      // wall time of kcell_train
  int planned_epochs = 0;  // the run's length as training resolved it (automatic or given)
};

// `model` itself, or for "auto" the recommended network for the dataset's training split
// (kcell_recommended_architecture_for()).
std::string chosen_architecture(const std::string& model, const DatasetInfo& info);

// A fresh model for `o.model` and the dataset's shape and classes. Throws Failure.
kcell::Model create_model(const TrainOptions& o, const DatasetInfo& info);

// Trains a fresh model on the train split of `dataset`, validating on its val split (if
// any; without one, early stopping is turned off with a note). Progress goes to stdout
// unless `quiet`: a live bar on a terminal, about ten plain lines an epoch otherwise.
TrainingOutcome train_model(const TrainOptions& o, const kcell::Dataset& dataset,
                            const DatasetInfo& info, bool quiet);

// "epoch 7 of 10 (best by val_balanced_accuracy): val loss ... acc ... balanced ... AUC ..."
void print_chosen_epoch(const RunHistory& history, const std::string& monitor);

}  // namespace kcell_cli
