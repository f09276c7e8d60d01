// The results of `kcell sweep`: one row per run, ranked, as Markdown, CSV or JSON.
#pragma once

#include <string>
#include <vector>

#include "history.hpp"
#include "sweep_grid.hpp"

namespace kcell_cli {

struct SweepRow {
  Combination combination;
  int kept_epoch = 0;  // 1-based epoch whose validation numbers these are
  int epochs_run = 0;
  double val_loss = 0, val_accuracy = 0, val_balanced_accuracy = 0, val_auc = 0;
  double train_val_gap = 0;
  double seconds = 0;
};

// A finished run's row: the validation numbers of its kept epoch.
SweepRow sweep_row(const Combination& combination, const RunHistory& history, double seconds);

// The metrics a sweep can rank by; the first is the default.
const std::vector<std::string>& sweep_rank_metrics();

// Sorts best first by `metric` (val_loss: lowest first; others highest); NaN last.
void rank_rows(std::vector<SweepRow>& rows, const std::string& metric);

// The console line of a finished run: "  kept epoch 7/10: val accuracy ... (1.2 min)\n",
// with the validation loss when `with_loss` (tune ranks by it).
std::string kept_epoch_line(const SweepRow& row, bool with_loss);

std::string sweep_markdown(const std::vector<SweepRow>& rows);
std::string sweep_csv(const std::vector<SweepRow>& rows);
std::string sweep_json(const std::vector<SweepRow>& rows, const std::string& metric);

// The table in the format the file name's extension asks for (.csv, .md, .json); throws
// CLI::ValidationError for another extension.
std::string sweep_table_for(const std::string& path, const std::vector<SweepRow>& rows,
                            const std::string& metric);

// Checks the extension up front (CLI::ValidationError).
void check_sweep_output_name(const std::string& path);

}  // namespace kcell_cli
