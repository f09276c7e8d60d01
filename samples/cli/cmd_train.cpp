// `kcell train`: train a model on a dataset, show progress, report on the test split.
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "commands.hpp"
#include "common.hpp"
#include "progress.hpp"

namespace kcell_cli {
namespace {

struct TrainOptions {
  std::string data;
  std::string model = "reference";
  int epochs = 0;
  int batch = 0;
  std::string optimizer = "adam";
  double lr = 0;
  std::string schedule;
  double weight_decay = -1;
  double label_smoothing = 0;
  uint64_t seed = 42;
  int threads = 0;
  bool quiet = false;
  std::string augment = "none";
  std::string class_weights = "none";
  bool balanced = false;
  std::string early_stop;
  std::string out;
};

// "hflip+rot90+shift" -> the augmentation block, with kcell's documented strengths.
kcell_augmentation parse_augment(const std::string& list) {
  kcell_augmentation a{};
  a.erase_max_area = 0.25;
  if (list == "none") return a;
  size_t start = 0;
  while (start <= list.size()) {
    const size_t end = std::min(list.find('+', start), list.size());
    const std::string name = list.substr(start, end - start);
    if (name == "hflip") a.hflip = 0.5;
    else if (name == "vflip") a.vflip = 0.5;
    else if (name == "rot90") a.rot90 = 0.75;
    else if (name == "rotate") a.rotate = 0.5, a.rotate_degrees = 15;
    else if (name == "shift") a.shift = 2;
    else if (name == "jitter") a.brightness = 0.1, a.contrast = 0.1;
    else if (name == "erase") a.erase = 0.25;
    else
      throw CLI::ValidationError("--augment", "unknown augmentation '" + name +
                                                  "' (hflip, vflip, rot90, rotate, shift, "
                                                  "jitter, erase or none)");
    start = end + 1;
  }
  return a;
}

// "val_auc:5" -> monitor and patience.
void parse_early_stop(const std::string& text, kcell_train_params& params) {
  static const std::map<std::string, kcell_monitor> monitors = {
      {"val_loss", KCELL_MONITOR_VAL_LOSS},
      {"val_accuracy", KCELL_MONITOR_VAL_ACCURACY},
      {"val_balanced_accuracy", KCELL_MONITOR_VAL_BALANCED_ACCURACY},
      {"val_auc", KCELL_MONITOR_VAL_AUC}};
  const size_t colon = text.find(':');
  const auto it = monitors.find(text.substr(0, colon));
  int patience = -1;
  if (colon != std::string::npos) {
    try {
      size_t used = 0;
      patience = std::stoi(text.substr(colon + 1), &used);
      if (used != text.size() - colon - 1) patience = -1;
    } catch (const std::exception&) {
      patience = -1;
    }
  }
  if (it == monitors.end() || patience < 0)
    throw CLI::ValidationError("--early-stop", "expected METRIC:PATIENCE with METRIC one of "
                                               "val_loss, val_accuracy, "
                                               "val_balanced_accuracy, val_auc, got '" +
                                                   text + "'");
  params.monitor = it->second;
  params.patience = patience;
}

void run_train(const TrainOptions& o) {
  // Settings first, so a usage error never waits for a large dataset to load.
  kcell_train_params checked;
  kcell_train_params_default(&checked);
  parse_augment(o.augment);
  if (!o.early_stop.empty()) parse_early_stop(o.early_stop, checked);

  Dataset dataset;
  check(kcell_dataset_open(o.data.c_str(), nullptr, dataset.out()), "");
  int channels = 0, height = 0, width = 0, classes = 0;
  check(kcell_dataset_shape(dataset.get(), &channels, &height, &width), o.data);
  check(kcell_dataset_num_classes(dataset.get(), &classes), o.data);
  size_t train_count = 0, val_count = 0, test_count = 0;
  check(kcell_dataset_count(dataset.get(), KCELL_SPLIT_TRAIN, &train_count), o.data);
  check(kcell_dataset_count(dataset.get(), KCELL_SPLIT_VAL, &val_count), o.data);
  check(kcell_dataset_count(dataset.get(), KCELL_SPLIT_TEST, &test_count), o.data);
  if (train_count == 0) throw Failure(o.data + ": has no training split");
  if (!o.quiet) print_dataset_summary(dataset.get(), o.data);

  Model model;
  check(kcell_model_create(o.model.c_str(), channels, height, width, classes, o.seed,
                           model.out()),
        "cannot create model '" + o.model + "'");

  kcell_train_params params;
  kcell_train_params_default(&params);
  if (o.epochs > 0) params.epochs = o.epochs;
  if (o.batch > 0) params.batch_size = o.batch;
  static const std::map<std::string, kcell_optimizer> optimizers = {
      {"sgd", KCELL_OPTIMIZER_SGD}, {"adam", KCELL_OPTIMIZER_ADAM},
      {"adamw", KCELL_OPTIMIZER_ADAMW}};
  params.optimizer = optimizers.at(o.optimizer);
  if (params.optimizer == KCELL_OPTIMIZER_SGD) params.learning_rate = 0.1;
  if (o.lr > 0) params.learning_rate = o.lr;
  static const std::map<std::string, kcell_schedule> schedules = {
      {"constant", KCELL_SCHEDULE_CONSTANT}, {"multistep", KCELL_SCHEDULE_MULTISTEP},
      {"cosine", KCELL_SCHEDULE_COSINE}};
  if (!o.schedule.empty()) params.schedule = schedules.at(o.schedule);
  if (o.weight_decay >= 0) params.weight_decay = o.weight_decay;
  params.label_smoothing = o.label_smoothing;
  params.seed = o.seed;
  params.num_threads = o.threads;
  params.augmentation = parse_augment(o.augment);
  params.auto_class_weights = o.class_weights == "auto";
  params.balanced_sampler = o.balanced;
  if (!o.early_stop.empty()) {
    if (val_count == 0) throw Failure(o.data + ": --early-stop needs a validation split");
    parse_early_stop(o.early_stop, params);
  }

  ProgressDisplay display;
  display.quiet = o.quiet;
  display.terminal = isatty(STDOUT_FILENO) != 0;
  display.batch_size = static_cast<size_t>(params.batch_size);
  display.train_count = train_count;
  params.progress = &ProgressDisplay::callback;
  params.progress_user_data = &display;

  if (!o.quiet)
    std::printf("training '%s' for %d epochs, batch %d, lr %g, weight decay %g, %s threads\n",
                o.model.c_str(), params.epochs, params.batch_size, params.learning_rate,
                params.weight_decay,
                o.threads > 0 ? std::to_string(o.threads).c_str() : "all");

  History history;
  check(kcell_history_create(history.out()), "history");
  kcell_status status = kcell_train(model.get(), dataset.get(),
                                    val_count ? dataset.get() : nullptr, &params,
                                    history.get());
  if (status != KCELL_OK && display.terminal && !o.quiet) std::printf("\n");
  check(status, "training failed");


  if (params.monitor != KCELL_MONITOR_NONE) {
    int best = -1;
    check(kcell_history_best_epoch(history.get(), &best), "history");
    if (best >= 0 && !o.quiet) std::printf("kept the weights of epoch %d\n", best + 1);
  }
  if (!o.out.empty()) {
    check(kcell_model_save(model.get(), o.out.c_str()), "cannot save the model");
    if (!o.quiet) std::printf("model saved to %s\n", o.out.c_str());
  }
  if (test_count > 0) {
    kcell_metrics metrics;
    metrics.struct_size = sizeof metrics;
    std::vector<kcell_class_metrics> per_class(static_cast<size_t>(classes));
    check(kcell_evaluate_details(model.get(), dataset.get(), KCELL_SPLIT_TEST, &metrics,
                                 per_class.data(), per_class.size(), nullptr, 0),
          "test evaluation failed");
    std::printf("test: %zu images  loss %.4f  accuracy %.4f  balanced accuracy %.4f  AUC %.4f\n",
                metrics.count, metrics.loss, metrics.accuracy, metrics.balanced_accuracy,
                metrics.auc);
    std::printf("test recall per class:");
    for (const auto& c : per_class) std::printf(" %.3f", c.recall);
    std::printf("\n");
  }
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("train", "Train a classifier and report on the test split");
  auto o = std::make_shared<TrainOptions>();
  cmd->add_option("--data", o->data, "A MedMNIST .npz or an IDX folder")->required();
  cmd->add_option("--model", o->model, "Preset name or architecture spec")
      ->capture_default_str();
  cmd->add_option("--epochs", o->epochs, "Passes over the training split (default 10)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--batch", o->batch, "Images per step (default 128)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--optimizer", o->optimizer, "sgd, adam or adamw")
      ->check(CLI::IsMember({"sgd", "adam", "adamw"}))
      ->capture_default_str();
  cmd->add_option("--lr", o->lr, "Learning rate (default 1e-3; 0.1 for sgd)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--schedule", o->schedule, "constant, multistep or cosine (default constant)")
      ->check(CLI::IsMember({"constant", "multistep", "cosine"}));
  cmd->add_option("--weight-decay", o->weight_decay, "L2 / decoupled weight decay (default 0)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--label-smoothing", o->label_smoothing, "Label smoothing in [0, 1)")
      ->check(CLI::Range(0.0, 0.999));
  cmd->add_option("--seed", o->seed, "Seed of initialisation, shuffling and dropout")
      ->capture_default_str();
  cmd->add_option("--threads", o->threads, "Compute threads (default: all cores)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--augment", o->augment,
                  "Training augmentation: names joined by '+' from hflip, vflip, rot90, "
                  "rotate, shift, jitter, erase; or none")
      ->capture_default_str();
  cmd->add_option("--class-weights", o->class_weights,
                  "none, or auto (inverse class frequency, mean 1)")
      ->check(CLI::IsMember({"none", "auto"}))
      ->capture_default_str();
  cmd->add_flag("--balanced", o->balanced, "Draw classes evenly each epoch (with replacement)");
  cmd->add_option("--early-stop", o->early_stop,
                  "METRIC:PATIENCE, METRIC one of val_loss, val_accuracy, "
                  "val_balanced_accuracy, val_auc; keeps the best epoch's weights");
  cmd->add_option("--out", o->out, "Save the trained model to this file");
  cmd->add_flag("--quiet", o->quiet, "Print only the test result");
  cmd->callback([o] { run_train(*o); });
}

}  // namespace kcell_cli
