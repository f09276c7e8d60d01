// `kcell train`: train a model on a dataset, show progress, report on the test split.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "class_names.hpp"
#include "commands.hpp"
#include "common.hpp"
#include "dataset_info.hpp"
#include "evaluation.hpp"
#include "metrics_json.hpp"
#include "ranks.hpp"
#include "report_writer.hpp"
#include "seed_runs.hpp"
#include "text_file.hpp"
#include "train_options.hpp"
#include "training_run.hpp"
#include "tta_option.hpp"

namespace kcell_cli {
namespace {

// A line before an evaluation long enough to notice (minutes on TissueMNIST's test split
// under 8 views), so the console does not look stalled after the last epoch.
constexpr size_t kAnnouncedEvaluationViews = 100000;

void announce_evaluation(const kcell::Model& model, size_t images, kcell_split split) {
  const kcell_tta tta = model.tta();
  if (images * static_cast<size_t>(tta_views(tta)) < kAnnouncedEvaluationViews) return;
  std::printf("evaluating %s: %zu images, TTA %s...\n", split_name(split), images,
              tta_text(tta).c_str());
  std::fflush(stdout);
}

struct TrainCommand {
  std::string data;
  TrainOptions train;
  std::string out;
  std::string report;
  std::string json;
  int seeds = 1;
  bool quiet = false;
  bool calibrate = false;  // fit the temperature (and with alpha the sets) on validation
  double alpha = 0.0;
};

std::string settings_line(const TrainOptions& o) {
  std::string line = "training with";
  for (const auto& [name, value] : describe_settings(o)) line += " " + name + "=" + value;
  return line;
}

void run_train(TrainCommand c) {
  // Every output is checked before the data loads, so a bad one never costs a training run.
  const std::vector<std::string> inputs = {c.data, class_names_file(c.train.class_names)};
  check_output(c.out, inputs);
  check_output(c.json, inputs);
  check_report_folder(c.report, inputs);
  const kcell::Dataset dataset(c.data);
  const DatasetInfo info = describe_dataset(dataset, c.data);
  c.train.model = chosen_architecture(c.train.model, info);
  const bool several = c.seeds > 1;
  if ((c.calibrate || c.alpha > 0) && info.count(KCELL_SPLIT_VAL) == 0)
    throw Failure(c.data + ": has no validation split for --calibrate to fit on");
  if ((c.calibrate || c.alpha > 0) && info.multi_label)
    throw Failure(c.data +
                  ": is multi-label; --calibrate and --alpha (temperature scaling, conformal "
                  "sets) are for one class per image");
  if (!c.quiet) {
    print_dataset_summary(dataset, info);
    std::printf("%s%s\n", settings_line(c.train).c_str(),
                several ? (" seeds=" + std::to_string(c.seeds)).c_str() : "");
    std::fflush(stdout);
  }
  // The held-out numbers: the test split, or validation when there is no test split.
  const kcell_split held_out = info.count(KCELL_SPLIT_TEST) > 0  ? KCELL_SPLIT_TEST
                               : info.count(KCELL_SPLIT_VAL) > 0 ? KCELL_SPLIT_VAL
                                                                 : KCELL_SPLIT_TRAIN;
  const bool evaluate =
      held_out != KCELL_SPLIT_TRAIN || several || !c.report.empty() || !c.json.empty();
  const std::string monitor = monitor_name(c.train);
  std::vector<SeedRun> runs;
  for (int i = 0; i < c.seeds; ++i) {
    TrainOptions o = c.train;
    o.seed = c.train.seed + static_cast<uint64_t>(i);
    if (several && !c.quiet)
      std::printf("%sseed %llu (run %d of %d)\n", i ? "\n" : "",
                  static_cast<unsigned long long>(o.seed), i + 1, c.seeds);
    SeedRun run{o.seed, train_model(o, dataset, info, c.quiet), {}};
    // Under mpirun every rank trains; rank 0 alone calibrates, evaluates and writes.
    if (run_rank() != 0) continue;
    if (!c.quiet) print_chosen_epoch(run.outcome.history, monitor);
    if (c.calibrate || c.alpha > 0) {
      const kcell_calibration_fit fit = in_context("calibration failed", [&] {
        return run.outcome.model.calibrate(dataset, KCELL_SPLIT_VAL, c.alpha);
      });
      if (!c.quiet)
        std::printf("calibrated on val: temperature %.4f  NLL %.4f -> %.4f  ECE %.4f -> %.4f\n",
                    fit.temperature, fit.nll_before, fit.nll, fit.ece_before, fit.ece);
    }
    if (evaluate) {
      if (!c.quiet) announce_evaluation(run.outcome.model, info.count(held_out), held_out);
      run.held_out = evaluate_split(run.outcome.model, dataset, held_out, c.data);
      if (several) print_evaluation(run.held_out, false);
    }
    runs.push_back(std::move(run));
  }

  if (run_rank() != 0) return;
  // With several seeds the result is their ensemble (mean of the probabilities).
  std::optional<kcell::Model> ensemble;
  if (several) ensemble.emplace(ensemble_of(runs));
  const kcell::Model& result = several ? *ensemble : runs[0].outcome.model;
  if (!c.out.empty()) {
    in_context("cannot save the model", [&] { result.save(c.out); });
    if (!c.quiet)
      std::printf("%s saved to %s\n", several ? "ensemble model" : "model", c.out.c_str());
  }
  if (!evaluate) return;
  std::vector<MetricSpread> spreads;
  if (several) {
    spreads = seed_spreads(runs);
    std::printf("\n%d seeds, mean ± sd:\n%s", c.seeds, seed_table(runs, spreads).c_str());
    std::printf("ensemble of the %d models (mean probability):\n", c.seeds);
  }
  const Evaluation evaluation =
      several ? evaluate_split(result, dataset, held_out, c.data) : runs[0].held_out;
  print_evaluation(evaluation, !c.quiet);
  if (!c.json.empty()) {
    nlohmann::json j = evaluation_json(evaluation);
    if (several) {
      j["ensemble_members"] = c.seeds;
      j["seeds"] = seeds_json(runs, spreads);
    }
    write_text_file(c.json, j.dump(2) + "\n");
  }
  if (!c.report.empty()) {
    ReportData report;
    report.command = "train";
    report.data_path = c.data;
    report.model_path = c.out;
    report.model_name = c.train.model;
    report.settings = describe_settings(c.train);
    if (several) report.settings.emplace_back("seeds", std::to_string(c.seeds));
    for (auto& [name, value] : report.settings)  // the set training chose
      if (name == "tta" && value == "auto")
        value = std::string("auto: ") + tta_name(evaluation.tta);
    report.history = runs[0].outcome.history;
    report.monitor = monitor;
    for (const SeedRun& r : runs) {
      report.train_seconds += r.outcome.seconds;
      if (several) report.seeds.push_back(r.seed);
    }
    report.seed_spreads = spreads;
    report.evaluation = evaluation;
    describe_model_for_report(result, report);
    report.gallery = in_context("the report's gallery", [&] {
      return build_gallery(result, dataset, report.evaluation.split);
    });
    const std::string page = write_report(c.report, report);
    if (!c.quiet) std::printf("report written to %s\n", page.c_str());
  }
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("train", "Train a classifier and report on the test split");
  cmd->footer(
      "\nThe defaults are the library's recipe (docs/recipe.md): resnet8 (a small residual\n"
      "net; resnet8-slim, half its width, on CPUs without AVX-512; resnet10 from 20,000\n"
      "training images), AdamW (lr 1e-3, decoupled weight decay 0.05), cosine with a\n"
      "warm-up over 5% of the steps, batch 128, bf16 arithmetic where the CPU has it\n"
      "natively (--precision auto), a length that follows the data (about 2,000 steps\n"
      "within 10-200 epochs, at most 12,000 steps of the reference CNN's compute on AVX-512\n"
      "BF16, a quarter of that on AVX2), flips, 90-degree turns and turns by up to 15\n"
      "degrees (cells have no orientation) with brightness and contrast jitter, loss\n"
      "weights 1/sqrt(class size), a\n"
      "moving average of the weights (--ema auto), the validation with the best balanced\n"
      "accuracy (stopping after a quarter of the run without improvement), and a per-class\n"
      "decision bias fitted on validation (--decision auto) under the test-time\n"
      "augmentation the augmentation implies (--tta auto: the 8 flips and turns).\n"
      "docs/cli.md gives the reasons and the files --report writes.");
  auto c = std::make_shared<TrainCommand>();
  cmd->add_option("--data", c->data, "A MedMNIST .npz or an IDX folder")->required();
  add_train_options(*cmd, c->train);
  cmd->add_option("--out", c->out, "Save the trained model to this file");
  cmd->add_option("--report", c->report,
                  "Write metrics.json, history.csv and report.html to this folder");
  cmd->add_option("--json", c->json, "Write the test evaluation as JSON to this file");
  cmd->add_option("--seeds", c->seeds,
                  "Train N models with seeds --seed .. --seed+N-1; report mean ± sd of every "
                  "metric, and save (--out) and evaluate their ensemble (mean probability)")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  cmd->add_flag("--calibrate", c->calibrate,
                "After training, fit the temperature on the validation split (kcell calibrate)");
  cmd->add_option("--alpha", c->alpha,
                  "With --calibrate (implied): also calibrate prediction sets of miscoverage "
                  "alpha, e.g. 0.1")
      ->check(CLI::Range(0.0, 0.999))
      ->capture_default_str();
  cmd->add_flag("--quiet", c->quiet, "Print only the test result");
  cmd->callback([c] { run_train(*c); });
}

}  // namespace kcell_cli
