// `kcell summary`: the layers, output shapes, parameters and FLOPs of a preset, a spec or
// a saved model.
#include <CLI/CLI.hpp>

#include <sys/stat.h>

#include <cstdio>
#include <memory>
#include <string>

#include "commands.hpp"
#include "common.hpp"
#include "tta_option.hpp"

namespace kcell_cli {
namespace {

struct SummaryCommand {
  std::string what;
  int channels = 1;
  int size = 28;
  int classes = 8;
};

bool is_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

kcell::Model open_model(const SummaryCommand& c, bool from_file, bool shape_given) {
  if (from_file) {
    if (shape_given)
      throw CLI::ValidationError("--channels/--size/--classes",
                                 "describe a new model; the file " + c.what + " has its own");
    return kcell::Model::load(c.what);
  }
  if (c.what.find('/') != std::string::npos ||
      (c.what.size() > 6 && c.what.compare(c.what.size() - 6, 6, ".kcell") == 0))
    throw Failure(c.what + ": no such model file");  // a path, not a spec
  return in_context("'" + c.what + "' is neither a model file nor a preset or spec",
                    [&] { return kcell::Model(c.what, c.channels, c.size, c.size, c.classes, 0); });
}

void run_summary(const SummaryCommand& c, bool shape_given) {
  const bool from_file = is_file(c.what);
  const kcell::Model model = open_model(c, from_file, shape_given);
  const kcell_model_info info = in_context(c.what, [&] { return model.info(); });
  std::printf("%s: input %d×%d×%d, %d classes%s\n", c.what.c_str(), info.channels, info.height,
              info.width, info.num_classes, from_file ? "" : " (--channels/--size/--classes)");
  if (from_file && info.epochs_trained > 0)
    std::printf("trained for %d epochs\n", info.epochs_trained);
  if (from_file)
    std::printf("test-time augmentation: %s\n",
                tta_text(in_context(c.what, [&] { return model.tta(); })).c_str());
  in_context("summary", [&] {
    std::printf("architecture: %s\n\n", model.architecture().c_str());
    std::printf("%s", model.summary().c_str());
  });
}

}  // namespace

void add_summary_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "summary", "Show a model's layers, output shapes, parameters and FLOPs per image");
  cmd->footer(
      "\nFor a preset or spec the input is --channels × --size × --size with --classes\n"
      "classes (default 1×28×28, 8 classes: TissueMNIST); a model file has its own.");
  auto c = std::make_shared<SummaryCommand>();
  cmd->add_option(
         "MODEL", c->what,
         "A preset (resnet8, resnet8-slim, resnet10, reference, resnet18, lenet5), a spec or a "
         "model file")
      ->required();
  auto* channels = cmd->add_option("--channels", c->channels, "Input channels: 1 or 3")
                       ->check(CLI::IsMember({1, 3}))
                       ->capture_default_str();
  auto* size = cmd->add_option("--size", c->size, "Input height and width in pixels")
                   ->check(CLI::Range(1, 4096))
                   ->capture_default_str();
  auto* classes = cmd->add_option("--classes", c->classes, "Number of classes")
                      ->check(CLI::Range(2, 65536))
                      ->capture_default_str();
  cmd->callback([c, channels, size, classes] {
    run_summary(*c, channels->count() + size->count() + classes->count() > 0);
  });
}

}  // namespace kcell_cli
