// `kcell export`: a saved model (or ensemble) as an ONNX file for other runtimes.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <string>

#include "commands.hpp"
#include "common.hpp"
#include "text_file.hpp"
#include "tta_option.hpp"

namespace kcell_cli {
namespace {

struct ExportCommand {
  std::string model;
  std::string onnx;
  std::string tta = "auto";
  bool quiet = false;
};

void run_export(const ExportCommand& c) {
  check_output(c.onnx, {c.model});
  kcell::Model model = kcell::Model::load(c.model);
  apply_tta_option(model, c.tta);
  in_context("", [&] { model.export_onnx(c.onnx); });
  if (!c.quiet) {
    const kcell_model_info info = model.info();
    std::printf(
        "wrote %s: input images (batch x %d x %d x %d, pixel values 0-255), output "
        "probabilities (batch x %d), TTA %s\n",
        c.onnx.c_str(), info.channels, info.height, info.width, info.num_classes,
        tta_name(model.tta()));
  }
}

}  // namespace

void add_export_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("export", "Write a saved model as an ONNX file");
  cmd->footer(
      "\nThe ONNX graph (opset 11) takes raw pixel values 0-255 as float, batch x channels\n"
      "x height x width, and returns the class probabilities kcell predict gives: the\n"
      "normalisation, test-time augmentation and decision bias are inside it.\n"
      "docs/onnx.md has the details.");
  auto c = std::make_shared<ExportCommand>();
  cmd->add_option("--model", c->model, "A model file from kcell train --out")->required();
  cmd->add_option("--onnx", c->onnx, "The ONNX file to write")->required();
  add_tta_option(*cmd, c->tta, "the model's, which training chose");
  cmd->add_flag("--quiet", c->quiet, "Print nothing on success");
  cmd->callback([c] { run_export(*c); });
}

}  // namespace kcell_cli
