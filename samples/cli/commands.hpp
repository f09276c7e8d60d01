// The subcommands of the kcell program; each registers itself on the CLI11 app.
#pragma once

#include <string>

#include <kcell/kcell.h>

namespace CLI {
class App;
}

namespace kcell_cli {

void add_info_command(CLI::App& app);
void add_train_command(CLI::App& app);

// Prints shape, classes and per-split counts of an opened dataset.
void print_dataset_summary(const kcell_dataset* dataset, const std::string& path);

}  // namespace kcell_cli
