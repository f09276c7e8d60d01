// `kcell train`: train a model on a dataset, show progress, report on the test split.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <string>

#include "class_names.hpp"
#include "commands.hpp"
#include "common.hpp"
#include "dataset_info.hpp"
#include "evaluation.hpp"
#include "metrics_json.hpp"
#include "report_writer.hpp"
#include "text_file.hpp"
#include "train_options.hpp"
#include "training_run.hpp"

namespace kcell_cli {
namespace {

struct TrainCommand {
  std::string data;
  TrainOptions train;
  std::string out;
  std::string report;
  std::string json;
  bool quiet = false;
};

std::string settings_line(const TrainOptions& o) {
  std::string line = "training with";
  for (const auto& [name, value] : describe_settings(o)) line += " " + name + "=" + value;
  return line;
}

void run_train(const TrainCommand& c) {
  // Every output is checked before the data loads, so a bad one never costs a training run.
  const std::vector<std::string> inputs = {c.data, class_names_file(c.train.class_names)};
  check_output(c.out, inputs);
  check_output(c.json, inputs);
  check_report_folder(c.report, inputs);
  Dataset dataset;
  check(kcell_dataset_open(c.data.c_str(), nullptr, dataset.out()), "");
  const DatasetInfo info = describe_dataset(dataset.get(), c.data);
  if (!c.quiet) {
    print_dataset_summary(dataset.get(), info);
    std::printf("%s\n", settings_line(c.train).c_str());
    std::fflush(stdout);
  }
  TrainingOutcome run = train_model(c.train, dataset.get(), info, c.quiet);
  const std::string monitor = monitor_name(c.train);
  if (!c.quiet) print_chosen_epoch(run.history, monitor);
  if (!c.out.empty()) {
    check(kcell_model_save(run.model.get(), c.out.c_str()), "cannot save the model");
    if (!c.quiet) std::printf("model saved to %s\n", c.out.c_str());
  }

  // The held-out numbers: the test split, or validation when there is no test split.
  const kcell_split held_out = info.count(KCELL_SPLIT_TEST) > 0  ? KCELL_SPLIT_TEST
                               : info.count(KCELL_SPLIT_VAL) > 0 ? KCELL_SPLIT_VAL
                                                                 : KCELL_SPLIT_TRAIN;
  if (held_out == KCELL_SPLIT_TRAIN && c.report.empty() && c.json.empty()) return;
  const Evaluation evaluation = evaluate_split(run.model.get(), dataset.get(), held_out, c.data);
  print_evaluation(evaluation, !c.quiet);
  if (!c.json.empty()) write_text_file(c.json, evaluation_json(evaluation).dump(2) + "\n");
  if (!c.report.empty()) {
    ReportData report;
    report.command = "train";
    report.data_path = c.data;
    report.model_path = c.out;
    report.model_name = c.train.model;
    report.settings = describe_settings(c.train);
    report.history = run.history;
    report.monitor = monitor;
    report.train_seconds = run.seconds;
    report.evaluation = evaluation;
    describe_model_for_report(run.model.get(), report);
    const std::string page = write_report(c.report, report);
    if (!c.quiet) std::printf("report written to %s\n", page.c_str());
  }
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("train", "Train a classifier and report on the test split");
  cmd->footer(
      "\nThe defaults are tuned for TissueMNIST-like data (28×28 cells, 8 imbalanced classes):\n"
      "the reference CNN, AdamW (lr 1e-3, decoupled weight decay 0.05), a cosine schedule\n"
      "with one warm-up epoch, 10 epochs of batch 128, flips and 90° turns (cells have no\n"
      "orientation), loss weights 1/sqrt(class size) against the ~9× imbalance, and the\n"
      "weights of the epoch with the best validation balanced accuracy (stopping after 3\n"
      "epochs without improvement). About 13 minutes on TissueMNIST on 2 cores.\n"
      "docs/cli.md gives the reasons and the files --report writes.");
  auto c = std::make_shared<TrainCommand>();
  cmd->add_option("--data", c->data, "A MedMNIST .npz or an IDX folder")->required();
  add_train_options(*cmd, c->train);
  cmd->add_option("--out", c->out, "Save the trained model to this file");
  cmd->add_option("--report", c->report,
                  "Write metrics.json, history.csv and report.html to this folder");
  cmd->add_option("--json", c->json, "Write the test evaluation as JSON to this file");
  cmd->add_flag("--quiet", c->quiet, "Print only the test result");
  cmd->callback([c] { run_train(*c); });
}

}  // namespace kcell_cli
