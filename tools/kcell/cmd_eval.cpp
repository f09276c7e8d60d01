// `kcell eval`: a saved model's metrics on one split of a dataset, as text, JSON or a report.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <map>
#include <memory>
#include <string>

#include "commands.hpp"
#include "common.hpp"
#include "evaluation.hpp"
#include "inference_precision.hpp"
#include "medmnist_result.hpp"
#include "metrics_json.hpp"
#include "report_writer.hpp"
#include "text_file.hpp"
#include "tta_option.hpp"

namespace kcell_cli {
namespace {

struct EvalCommand {
  std::string model;
  std::string data;
  std::string split = "test";
  std::string json;
  std::string report;
  std::string medmnist_result;  // folder of MedMNIST's result file
  std::string medmnist_flag;    // default: the data file's name
  std::string medmnist_run;     // default: the model file's name
  InferencePrecisionOptions precision;
  std::string tta = "auto";
  int threads = 0;
  bool quiet = false;
};

void run_eval(const EvalCommand& c) {
  static const std::map<std::string, kcell_split> splits = {
      {"train", KCELL_SPLIT_TRAIN}, {"val", KCELL_SPLIT_VAL}, {"test", KCELL_SPLIT_TEST}};
  check_inference_precision(c.precision, true);  // int8 calibrates on --data's val split
  const std::vector<std::string> inputs = {c.model, c.data, c.precision.calibrate};
  check_output(c.json, inputs);
  check_report_folder(c.report, inputs);
  if (!c.medmnist_result.empty()) make_directory(c.medmnist_result);
  in_context("--threads", [&] { kcell::set_num_threads(c.threads); });
  kcell::Model model = kcell::Model::load(c.model);
  const kcell::Dataset dataset(c.data);
  const AppliedPrecision applied = apply_inference_precision(model, c.precision, &dataset, c.data);
  apply_tta_option(model, c.tta);
  Evaluation evaluation = evaluate_split(model, dataset, splits.at(c.split), c.data);
  evaluation.precision = applied.precision;
  if (c.json != "-") {  // stdout holds only the JSON
    if (!c.quiet) std::printf("precision: %s\n", applied.describe().c_str());
    print_evaluation(evaluation, !c.quiet);
  }
  if (!c.json.empty()) {
    nlohmann::json j = evaluation_json(evaluation);
    j["model"] = c.model;
    j["data"] = c.data;
    if (!applied.calibration_data.empty())
      j["calibration"] = {{"data", applied.calibration_data},
                          {"split", "val"},
                          {"images", applied.calibration_images}};
    write_text_file(c.json, j.dump(2) + "\n");
  }
  if (!c.medmnist_result.empty()) {
    const std::string flag = c.medmnist_flag.empty() ? medmnist_flag_of(c.data) : c.medmnist_flag;
    std::string run = c.medmnist_run;
    if (run.empty()) {
      run = medmnist_flag_of(c.model);
      const size_t dot = run.find_last_of('.');
      if (dot != std::string::npos && dot > 0) run.resize(dot);
    }
    const std::string path = in_context("--medmnist-result", [&] {
      return write_medmnist_result(model, dataset, splits.at(c.split), c.medmnist_result, flag,
                                   run);
    });
    if (!c.quiet && c.json != "-") std::printf("MedMNIST result written to %s\n", path.c_str());
  }
  if (!c.report.empty()) {
    ReportData report;
    report.command = "eval";
    report.data_path = c.data;
    report.model_path = c.model;
    report.settings = {{"model", c.model},
                       {"data", c.data},
                       {"split", c.split},
                       {"precision", applied.precision},
                       {"tta", tta_name(evaluation.tta)}};
    if (!applied.calibration_data.empty())
      report.settings.emplace_back("calibration", applied.calibration());
    report.settings.emplace_back("threads",
                                 c.threads > 0 ? std::to_string(c.threads) : "all cores");
    report.evaluation = evaluation;
    describe_model_for_report(model, report);
    report.gallery = in_context("the report's gallery", [&] {
      return build_gallery(model, dataset, report.evaluation.split);
    });
    const std::string page = write_report(c.report, report);
    if (!c.quiet && c.json != "-") std::printf("report written to %s\n", page.c_str());
  }
}

}  // namespace

void add_eval_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("eval", "Evaluate a saved model on a labelled split");
  cmd->footer(
      "\nPrints loss, accuracy, balanced accuracy, macro AUC, per-class precision, recall\n"
      "and F1, and the confusion matrix (rows: true class, columns: predicted).\n"
      "--precision bf16 or int8 trades some accuracy for speed; int8 first calibrates on\n"
      "the validation split of --calibrate (default --data). docs/performance.md has\n"
      "the costs.");
  auto c = std::make_shared<EvalCommand>();
  cmd->add_option("--model", c->model, "A model file from kcell train --out")->required();
  cmd->add_option("--data", c->data, "A MedMNIST .npz or an IDX folder")->required();
  cmd->add_option("--split", c->split, "Which split: test, val or train")
      ->check(CLI::IsMember({"test", "val", "train"}))
      ->capture_default_str();
  cmd->add_option("--json", c->json,
                  "Write the metrics as JSON to this file (- for stdout): accuracy, "
                  "balanced_accuracy, auc, loss, n, confusion, per_class");
  cmd->add_option("--report", c->report, "Write metrics.json and report.html to this folder");
  cmd->add_option("--medmnist-result", c->medmnist_result,
                  "Write MedMNIST's result file (Evaluator.evaluate(save_folder=...)) into this "
                  "folder: {flag}_{split}_[AUC]a_[ACC]b@{run}.csv, one row of scores per image");
  cmd->add_option("--medmnist-flag", c->medmnist_flag,
                  "The dataset flag of that file's name (default: --data's file name without "
                  ".npz, e.g. pathmnist or pathmnist_64)");
  cmd->add_option("--medmnist-run", c->medmnist_run,
                  "The run of that file's name, after @ (default: --model's file name without "
                  "its extension)");
  add_inference_precision_options(*cmd, c->precision,
                                  "default: --data's (the test split is never used)");
  add_tta_option(*cmd, c->tta, "the model's, which training chose");
  cmd->add_option("--threads", c->threads, "Compute threads (0: all cores)")
      ->check(CLI::Range(0, 4096))
      ->capture_default_str();
  cmd->add_flag("--quiet", c->quiet, "Print only the summary line");
  cmd->callback([c] { run_eval(*c); });
}

}  // namespace kcell_cli
