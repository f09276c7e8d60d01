// `kcell calibrate`: fits a saved model's temperature (and conformal prediction sets) on the
// validation split of a dataset and saves the calibrated model.
#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>
#include <memory>
#include <string>

#include "commands.hpp"
#include "common.hpp"
#include "text_file.hpp"

namespace kcell_cli {
namespace {

struct CalibrateCommand {
  std::string model;
  std::string data;
  std::string out;
  double alpha = 0.0;
  int threads = 0;
  bool quiet = false;
};

void run_calibrate(const CalibrateCommand& c) {
  check_output(c.out, {c.model, c.data});
  in_context("--threads", [&] { kcell::set_num_threads(c.threads); });
  kcell::Model model = kcell::Model::load(c.model);
  const kcell::Dataset dataset(c.data);
  if (in_context(c.data, [&] { return dataset.count(KCELL_SPLIT_VAL); }) == 0)
    throw Failure(c.data + ": has no validation split to calibrate on");
  const bool has_test = in_context(c.data, [&] { return dataset.count(KCELL_SPLIT_TEST); }) > 0;
  kcell_calibration before{};
  if (has_test && !c.quiet)
    before = in_context("test evaluation failed", [&] {
               return model.evaluate_calibration(dataset, KCELL_SPLIT_TEST);
             }).calibration;
  const kcell_calibration_fit fit = in_context(
      "calibration failed", [&] { return model.calibrate(dataset, KCELL_SPLIT_VAL, c.alpha); });
  if (!c.quiet) {
    std::printf(
        "val (%zu images): temperature %.4f -> %.4f  NLL %.4f -> %.4f  ECE %.4f -> %.4f%s\n",
        fit.count, fit.temperature_before, fit.temperature, fit.nll_before, fit.nll, fit.ece_before,
        fit.ece, fit.bias_refitted ? "  (decision bias refitted with it)" : "");
    if (c.alpha > 0)
      std::printf(
          "conformal sets: alpha %.3g, LAC quantile %.6g (a class is in the set when "
          "1 - p <= it)\n",
          c.alpha, fit.conformal_quantile);
  }
  if (has_test && !c.quiet) {
    const kcell::CalibrationDetails after = in_context("test evaluation failed", [&] {
      return model.evaluate_calibration(dataset, KCELL_SPLIT_TEST);
    });
    const kcell_calibration& a = after.calibration;
    std::printf("test (%zu images): ECE %.4f -> %.4f  NLL %.4f -> %.4f  Brier %.4f -> %.4f\n",
                a.count, before.ece, a.ece, before.nll, a.nll, before.brier, a.brier);
    if (a.conformal_alpha == a.conformal_alpha)
      std::printf("test conformal sets: coverage %.4f (target >= %.4f)  mean set size %.3f\n",
                  a.conformal_coverage, 1 - a.conformal_alpha, a.conformal_mean_set_size);
  }
  in_context("cannot save the model", [&] { model.save(c.out); });
  if (!c.quiet) std::printf("calibrated model saved to %s\n", c.out.c_str());
}

}  // namespace

void add_calibrate_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "calibrate", "Fit a model's temperature (and prediction sets) on the validation split");
  cmd->footer(
      "\nFits one temperature T on the validation split of --data by minimising the\n"
      "negative log-likelihood: prediction and evaluation then compute softmax(z / T + b),\n"
      "with z the logits after test-time augmentation and b the decision bias (refitted with\n"
      "T when training fitted it). --alpha A also calibrates split-conformal prediction sets\n"
      "(LAC score) that hold the true class for at least 1 - A of the images (kcell predict\n"
      "--sets). Prints validation NLL and ECE before and after, and the test split's when\n"
      "--data has one. docs/calibration.md has the details.");
  auto c = std::make_shared<CalibrateCommand>();
  cmd->add_option("--model", c->model, "A model file from kcell train --out")->required();
  cmd->add_option("--data", c->data, "A dataset with a validation split")->required();
  cmd->add_option("--out", c->out, "Save the calibrated model to this file")->required();
  cmd->add_option("--alpha", c->alpha,
                  "Miscoverage of the prediction sets, e.g. 0.1 for 90% sets; 0: no sets")
      ->check(CLI::Range(0.0, 0.999))
      ->capture_default_str();
  cmd->add_option("--threads", c->threads, "Compute threads (0: all cores)")
      ->check(CLI::Range(0, 4096))
      ->capture_default_str();
  cmd->add_flag("--quiet", c->quiet, "Print nothing but errors");
  cmd->callback([c] { run_calibrate(*c); });
}

}  // namespace kcell_cli
