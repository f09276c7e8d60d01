// `kcell info DATA`: splits, image shape, counts and class histogram of a dataset.
#include <CLI/CLI.hpp>

#include <memory>
#include <string>

#include "commands.hpp"
#include "common.hpp"
#include "dataset_info.hpp"

namespace kcell_cli {

void add_info_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("info", "Show a dataset's splits, image shape and classes");
  auto path = std::make_shared<std::string>();
  cmd->add_option("DATA", *path, "A MedMNIST .npz, a .npy stack or an IDX folder")->required();
  cmd->callback([path] {
    const kcell::Dataset dataset(*path);
    print_dataset_summary(dataset, describe_dataset(dataset, *path));
  });
}

}  // namespace kcell_cli
