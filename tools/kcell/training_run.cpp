#include "training_run.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <vector>

#include "class_names.hpp"
#include "progress.hpp"
#include "ranks.hpp"
#include "tta_option.hpp"

namespace kcell_cli {

std::string chosen_architecture(const std::string& model, const DatasetInfo& info) {
  return model == "auto" ? kcell::recommended_architecture(info.count(KCELL_SPLIT_TRAIN)) : model;
}

kcell::Model create_model(const TrainOptions& o, const DatasetInfo& info) {
  return in_context("cannot create model '" + o.model + "'", [&] {
    kcell::Model model(o.model, info.channels, info.height, info.width, info.classes, o.seed);
    // The data's task decides the outputs: L sigmoids for (N, L) labels.
    if (info.multi_label) model.set_task(KCELL_TASK_MULTI_LABEL);
    return model;
  });
}

TrainingOutcome train_model(const TrainOptions& o, const kcell::Dataset& dataset,
                            const DatasetInfo& info, bool quiet) {
  if (info.count(KCELL_SPLIT_TRAIN) == 0)
    throw Failure(info.path +
                  ": has no training split; train needs train_images and "
                  "train_labels (val_* validates and test_* reports when present)");
  if (info.classes < 2)
    throw Failure(info.path + ": needs labels of at least 2 classes to train on");
  const std::vector<std::string> names =
      resolve_class_names(o.class_names, info.path, info.classes);
  TrainingOutcome outcome{create_model(o, info), {}, 0};
  set_class_names(outcome.model, names);
  apply_tta_option(outcome.model, o.tta);  // set before training: the decision bias follows it

  TrainParamStorage storage;
  kcell_train_params params = make_train_params(o, storage);
  // The library reads one weight per label from the pointer: the count is checked here.
  if (!storage.pos_weights.empty() &&
      storage.pos_weights.size() != static_cast<size_t>(info.classes))
    throw Failure("--pos-weights: " + std::to_string(storage.pos_weights.size()) +
                  " weights given, but " + info.path + " has " + std::to_string(info.classes) +
                  (info.multi_label ? " labels per image" : " classes (and is not multi-label)"));
  const bool has_val = info.count(KCELL_SPLIT_VAL) > 0;
  if (!has_val && params.monitor != KCELL_MONITOR_NONE && params.monitor != KCELL_MONITOR_AUTO) {
    if (!quiet)
      std::printf("note: %s has no validation split; early stopping is off\n", info.path.c_str());
    params.monitor = KCELL_MONITOR_NONE;
    params.patience = 0;
  }

  ProgressDisplay display;
  display.quiet = quiet;
  display.terminal = isatty(STDOUT_FILENO) != 0;
  // The global batch under mpirun (each rank trains --batch images of it).
  display.batch_size =
      static_cast<size_t>(params.batch_size) * static_cast<size_t>(training_ranks());
  display.train_count = info.count(KCELL_SPLIT_TRAIN);
  const kcell::ProgressCallback progress = [&display, &outcome](const kcell_progress& p) {
    outcome.planned_epochs = p.epochs;
    display.show(p);
    return false;
  };

  kcell::History history = in_context("history", [] { return kcell::History(); });
  const auto start = std::chrono::steady_clock::now();
  const double communication_before = communication_seconds();
  try {
    in_context("training failed", [&] {
      outcome.model.train(dataset, has_val ? &dataset : nullptr, params, &history, progress);
    });
  } catch (const Failure&) {
    if (display.terminal && !quiet) std::printf("\n");  // end the live bar's line
    throw;
  }
  outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  outcome.history = read_history(history);
  if (training_ranks() > 1 && !quiet) {
    const double communication = communication_seconds() - communication_before;
    std::printf(
        "data-parallel over %d ranks (global batch %d): %.1f s of the %.1f s training in "
        "communication on rank 0 (%.1f%%), the gradient sums %s the backward pass\n",
        training_ranks(), params.batch_size * training_ranks(), communication, outcome.seconds,
        100.0 * communication / std::max(outcome.seconds, 1e-9),
        overlaps_gradient_sums() ? "overlapping" : "after");
  }
  return outcome;
}

void print_chosen_epoch(const RunHistory& history, const std::string& monitor) {
  const kcell_epoch_stats* s = history.chosen();
  if (!s || std::isnan(s->val_loss)) return;
  const bool best = history.best >= 0;
  std::printf(
      "kept epoch %d of %zu (%s): val loss %.4f  accuracy %.4f  balanced accuracy "
      "%.4f  AUC %.4f  train-val gap %+.4f\n",
      s->epoch + 1, history.epochs.size(), best ? ("best " + monitor).c_str() : "the last",
      s->val_loss, s->val_accuracy, s->val_balanced_accuracy, s->val_auc, s->train_val_gap);
}

}  // namespace kcell_cli
