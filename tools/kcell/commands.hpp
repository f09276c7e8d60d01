// The subcommands of the kcell program; each registers itself on the CLI11 app.
#pragma once

namespace CLI {
class App;
}

namespace kcell_cli {

void add_info_command(CLI::App& app);
void add_train_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_predict_command(CLI::App& app);
void add_export_command(CLI::App& app);
void add_summary_command(CLI::App& app);
void add_sweep_command(CLI::App& app);
void add_tune_command(CLI::App& app);
void add_calibrate_command(CLI::App& app);
void add_convert_command(CLI::App& app);
void add_explain_command(CLI::App& app);

}  // namespace kcell_cli
