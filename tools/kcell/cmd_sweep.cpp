// `kcell sweep`: train every combination of a grid of training options and rank the runs
// by their validation numbers (the test split is never looked at).
#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "class_names.hpp"
#include "commands.hpp"
#include "common.hpp"
#include "dataset_info.hpp"
#include "ranks.hpp"
#include "sweep_grid.hpp"
#include "sweep_table.hpp"
#include "text_file.hpp"
#include "train_options.hpp"
#include "training_run.hpp"
#include "trial_ranks.hpp"

namespace kcell_cli {
namespace {

struct SweepCommand {
  std::string data;
  TrainOptions train;
  std::vector<std::string> grid;
  std::string out;
  std::string rank_by = sweep_rank_metrics().front();
  std::string save_best;
  bool quiet = false;
};

double rank_value(const SweepRow& r, const std::string& metric) {
  if (metric == "val_accuracy") return r.val_accuracy;
  if (metric == "val_auc") return r.val_auc;
  if (metric == "val_loss") return -r.val_loss;
  return r.val_balanced_accuracy;
}

void print_run_result(const SweepRow& row) {
  std::fputs(kept_epoch_line(row, false).c_str(), stdout);
  std::fflush(stdout);
}

void run_sweep(const SweepCommand& c) {
  // Every combination is checked before the data loads or the first run starts.
  const std::vector<Combination> combinations = grid_combinations(parse_grid(c.grid));
  std::vector<TrainOptions> runs;
  for (const Combination& combination : combinations)
    runs.push_back(apply_combination(c.train, combination));
  if (!c.out.empty()) check_sweep_output_name(c.out);
  const std::vector<std::string> inputs = {c.data, class_names_file(c.train.class_names)};
  check_output(c.out, inputs);
  check_output(c.save_best, inputs);

  const kcell::Dataset dataset(c.data);
  const DatasetInfo info = describe_dataset(dataset, c.data);
  if (info.count(KCELL_SPLIT_VAL) == 0)
    throw Failure(c.data + ": has no validation split to compare the runs on");
  std::set<std::string> architectures;
  for (TrainOptions& o : runs) {
    o.model = chosen_architecture(o.model, info);
    if (architectures.insert(o.model).second) create_model(o, info);  // fails early on a bad spec
  }
  if (!c.quiet) {
    print_dataset_summary(dataset, info);
    std::printf("sweeping %zu combinations, ranked by %s\n", runs.size(), c.rank_by.c_str());
  }

  // Under mpirun each run trains in one process on rank i % ranks; every rank then learns
  // every row, and rank 0 alone prints the table and writes files (trial_ranks.hpp).
  const SingleProcessTraining alone;
  const bool writes = run_rank() == 0;
  TrialRound round(runs.size());
  std::vector<SweepRow> rows;              // this rank's, until the exchange
  std::optional<kcell::Model> best_model;  // this rank's best run's
  std::optional<size_t> best_run;
  double best_value = NAN;
  for (size_t i = 0; i < runs.size(); ++i) {
    if (!round.mine(i)) continue;
    std::printf("run %zu/%zu: %s\n", i + 1, runs.size(),
                describe_combination(combinations[i]).c_str());
    std::fflush(stdout);
    TrainingOutcome run = train_model(runs[i], dataset, info, c.quiet);
    rows.push_back(sweep_row(combinations[i], run.history, run.seconds));
    round.finish(i, rows.back(), run.planned_epochs);
    print_run_result(rows.back());
    const double value = rank_value(rows.back(), c.rank_by);
    if (!c.save_best.empty() && std::isfinite(value) &&
        (std::isnan(best_value) || value > best_value)) {
      best_value = value;
      best_run = i;
      best_model.emplace(std::move(run.model));
    }
    // The table so far, so a long sweep that is stopped keeps its finished runs.
    if (!c.out.empty() && writes) {
      std::vector<SweepRow> ranked = rows;
      rank_rows(ranked, c.rank_by);
      write_text_file(c.out, sweep_table_for(c.out, ranked, c.rank_by));
    }
  }
  const std::vector<TrialResult> results = round.exchange();
  // The same best run on every rank: the first with the highest value, as above.
  rows.clear();
  std::optional<size_t> best;
  best_value = NAN;
  for (size_t i = 0; i < results.size(); ++i) {
    rows.push_back(results[i].row);
    if (!round.mine(i)) {
      std::printf("run %zu/%zu on rank %d: %s\n", i + 1, runs.size(), round.owner(i),
                  describe_combination(combinations[i]).c_str());
      print_run_result(rows.back());
    }
    const double value = rank_value(rows.back(), c.rank_by);
    if (std::isfinite(value) && (std::isnan(best_value) || value > best_value)) {
      best_value = value;
      best = i;
    }
  }
  if (!c.save_best.empty() && best) {
    if (round.mine(*best) && best_run != best)
      throw Failure("rank " + std::to_string(run_rank()) + " does not hold the best run's model");
    move_to_rank0(best_model, round.owner(*best));
  }
  if (!writes) return;
  rank_rows(rows, c.rank_by);
  if (!c.out.empty()) write_text_file(c.out, sweep_table_for(c.out, rows, c.rank_by));
  std::printf("\nranked by %s, best first:\n%s", c.rank_by.c_str(), sweep_markdown(rows).c_str());
  if (!c.out.empty()) std::printf("table saved to %s\n", c.out.c_str());
  if (!c.save_best.empty()) {
    if (!best_model) throw Failure("no run had a finite " + c.rank_by + " to pick a best model");
    in_context("cannot save the model", [&] { best_model->save(c.save_best); });
    std::printf("best model saved to %s\n", c.save_best.c_str());
  }
}

}  // namespace

void add_sweep_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "sweep", "Train every combination of a grid of training options and rank the runs");
  cmd->footer(
      "\nRuns are ranked by their validation numbers (accuracy, balanced accuracy, AUC,\n"
      "train-validation gap); the test split is not used. Other training options apply to\n"
      "every run; a grid key overrides them.\n"
      "Example: --grid \"lr=1e-3,3e-4 weight-decay=0,0.05 augment=none,hflip+rot90 "
      "model=reference,lenet5\"");
  auto c = std::make_shared<SweepCommand>();
  cmd->add_option("--data", c->data, "A MedMNIST .npz or an IDX folder (needs a validation split)")
      ->required();
  cmd->add_option("--grid", c->grid,
                  "KEY=V1,V2,... entries separated by spaces; KEY is any option of kcell train "
                  "without -- (lr, weight-decay, augment, model, epochs, ...)")
      ->required();
  add_train_options(*cmd, c->train);
  cmd->add_option("--out", c->out,
                  "Save the ranked table: .csv, .md (Markdown) or .json, rewritten after "
                  "every run");
  cmd->add_option("--rank-by", c->rank_by,
                  "val_balanced_accuracy, val_accuracy, val_auc or val_loss")
      ->check(CLI::IsMember(sweep_rank_metrics()))
      ->capture_default_str();
  cmd->add_option("--save-best", c->save_best, "Save the best run's model to this file");
  cmd->add_flag("--quiet", c->quiet, "No per-epoch progress; one line per run and the table");
  cmd->callback([c] { run_sweep(*c); });
}

}  // namespace kcell_cli
