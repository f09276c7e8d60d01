// `kcell info DATA`: splits, image shape, counts, class histogram and names of a dataset,
// and an estimate of the memory training on it needs.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <string>

#include "class_names.hpp"
#include "commands.hpp"
#include "common.hpp"
#include "dataset_info.hpp"
#include "training_run.hpp"

namespace kcell_cli {
namespace {

struct InfoCommand {
  std::string path;
  std::string model = "auto";
  int batch = 128;
};

std::string megabytes(double bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.0f MB", bytes / 1e6);
  return text;
}

// Names only when the data has its own (an image folder): "0", "1", ... say nothing.
void print_class_names(const kcell::Dataset& dataset) {
  const std::vector<std::string> names = dataset.class_names();
  bool named = false;
  for (size_t i = 0; i < names.size(); ++i) named = named || names[i] != std::to_string(i);
  if (!named) return;
  std::printf("  classes:");
  for (size_t i = 0; i < names.size(); ++i)
    std::printf("%s %zu %s", i ? "," : "", i, escape_controls(names[i]).c_str());
  std::printf("\n");
}

void print_training_memory(const InfoCommand& c, const DatasetInfo& info) {
  if (info.classes < 2) return;  // nothing to train
  // "auto" as kcell train resolves it, from the training split's size.
  const std::string architecture = chosen_architecture(c.model, info);
  const kcell::Model model = in_context("--model", [&] {
    return kcell::Model(architecture, info.channels, info.height, info.width, info.classes, 0);
  });
  const std::vector<uint64_t> bytes =
      in_context("", [&] { return model.training_memory(c.batch); });
  const double pixels =
      static_cast<double>(info.count(KCELL_SPLIT_TRAIN) + info.count(KCELL_SPLIT_VAL) +
                          info.count(KCELL_SPLIT_TEST)) *
      info.channels * info.height * info.width;
  const double total = pixels + static_cast<double>(bytes[0] + bytes[1] + bytes[2]);
  std::printf(
      "training memory (--model %s, --batch %d, fp32): about %s = pixels %s + activations %s "
      "+ parameters %s + runtime %s\n",
      architecture.c_str(), c.batch, megabytes(total).c_str(), megabytes(pixels).c_str(),
      megabytes(static_cast<double>(bytes[1])).c_str(),
      megabytes(static_cast<double>(bytes[0])).c_str(),
      megabytes(static_cast<double>(bytes[2])).c_str());
}

}  // namespace

void add_info_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "info", "Show a dataset's splits, image shape and classes, and the memory training needs");
  cmd->footer(
      "\nThe memory is an estimate for `kcell train --data DATA --model M --batch N`\n"
      "(docs/data-formats.md says how close it comes to the measured peak).");
  auto c = std::make_shared<InfoCommand>();
  cmd->add_option("DATA", c->path,
                  "A MedMNIST .npz, an image folder, an IDX folder or a .npy stack")
      ->required();
  cmd->add_option("--model", c->model,
                  "The preset or spec training would use, or auto (as kcell train chooses)")
      ->capture_default_str();
  cmd->add_option("--batch", c->batch, "The batch size training would use")
      ->check(CLI::Range(1, 65536))
      ->capture_default_str();
  cmd->callback([c] {
    const kcell::Dataset dataset(c->path);
    const DatasetInfo info = describe_dataset(dataset, c->path);
    print_dataset_summary(dataset, info);
    in_context(c->path, [&] { print_class_names(dataset); });
    print_training_memory(*c, info);
  });
}

}  // namespace kcell_cli
