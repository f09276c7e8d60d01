// `kcell train`: train a model on a dataset, show progress, report on the test split.
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <string>

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
};

void run_train(const TrainOptions& o) {
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


  if (test_count > 0) {
    kcell_metrics metrics;
    metrics.struct_size = sizeof metrics;
    check(kcell_evaluate(model.get(), dataset.get(), KCELL_SPLIT_TEST, &metrics),
          "test evaluation failed");
    std::printf("test: %zu images  loss %.4f  accuracy %.4f\n", metrics.count, metrics.loss,
                metrics.accuracy);
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
  cmd->add_flag("--quiet", o->quiet, "Print only the test result");
  cmd->callback([o] { run_train(*o); });
}

}  // namespace kcell_cli
