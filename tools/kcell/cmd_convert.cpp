// `kcell convert DATA OUT.npz`: any dataset kcell reads (an image folder above all) as a
// MedMNIST-layout .npz that numpy and MedMNIST's tooling read.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <string>

#include "class_names.hpp"
#include "commands.hpp"
#include "common.hpp"
#include "text_file.hpp"

namespace kcell_cli {
namespace {

struct ConvertCommand {
  std::string data;
  std::string out;
  bool quiet = false;
};

void run_convert(const ConvertCommand& c) {
  check_output(c.out, {c.data});
  const kcell::Dataset dataset = in_context("", [&] { return kcell::Dataset(c.data); });
  in_context("", [&] { dataset.save_npz(c.out); });
  if (c.quiet) return;
  const std::vector<int> chw = dataset.shape();
  std::printf("wrote %s: %zu train, %zu val, %zu test images of %d×%d×%d\n", c.out.c_str(),
              dataset.count(KCELL_SPLIT_TRAIN), dataset.count(KCELL_SPLIT_VAL),
              dataset.count(KCELL_SPLIT_TEST), chw[0], chw[1], chw[2]);
  // The file keeps labels only; the names, to give back with --class-names @FILE.
  std::printf("labels (a MedMNIST file has no class names; keep these for --class-names):\n");
  const std::vector<std::string> names = dataset.class_names();
  for (size_t i = 0; i < names.size(); ++i)
    std::printf("  %zu\t%s\n", i, escape_controls(names[i]).c_str());
}

}  // namespace

void add_convert_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "convert", "Write a dataset (an image folder, IDX folder, .npz) as a MedMNIST .npz");
  cmd->footer(
      "\nDATA is anything kcell reads; an image folder is DATA/train/CLASS/*.png (and val/,\n"
      "test/; see docs/data-formats.md). OUT gets train_images, train_labels, val_images,\n"
      "val_labels, test_images and test_labels for the splits present, as MedMNIST's\n"
      "files hold them (images uint8 N×H×W or N×H×W×3, labels uint8 N×1, or a\n"
      "multi-label dataset's N×L of 0 / 1).");
  auto c = std::make_shared<ConvertCommand>();
  cmd->add_option("DATA", c->data, "The dataset to read")->required();
  cmd->add_option("OUT", c->out, "The .npz file to write")->required();
  cmd->add_flag("--quiet", c->quiet, "Print nothing on success");
  cmd->callback([c] { run_convert(*c); });
}

}  // namespace kcell_cli
