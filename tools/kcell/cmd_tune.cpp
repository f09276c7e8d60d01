// `kcell tune`: successive halving over training recipes and architectures within a time
// budget. Every decision uses the validation split only; the test split is evaluated once,
// for the final pick, after the search has ended.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "commands.hpp"
#include "common.hpp"
#include "dataset_info.hpp"
#include "evaluation.hpp"
#include "metrics_json.hpp"
#include "ranks.hpp"
#include "sweep_grid.hpp"
#include "sweep_table.hpp"
#include "text_file.hpp"
#include "train_options.hpp"
#include "training_run.hpp"
#include "trial_ranks.hpp"
#include "tune_plan.hpp"

namespace kcell_cli {
namespace {

struct TuneCommand {
  std::string data;
  TrainOptions train;
  double budget_minutes = 10;
  std::vector<std::string> grid;  // empty: default_tune_space()
  size_t candidates = 16;
  int min_epochs = 2;
  int max_epochs = 0;  // 0: the defaults' own length (the baseline run's)
  int eta = 3;
  size_t ensemble = 3;
  std::string rank_by = "val_loss";
  std::string out;    // the pick: the best recipe's runs under --ensemble seeds
  std::string table;  // .csv, .md or .json
  std::string json;
  bool quiet = false;
};

using Clock = std::chrono::steady_clock;

double minutes_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count() / 60;
}

struct Candidate {
  Combination combination;            // without epochs
  TrainOptions options;               // base + combination, epochs set per rung
  SweepRow row;                       // of its latest rung
  std::optional<kcell::Model> model;  // of its latest rung, on the rank that trained it
  int owner = -1;                     // that rank; -1: no model
  int epochs = 0;                     // the epochs it was trained with (0: automatic)
};

// Seconds per epoch measured so far, per architecture; the slowest known for a new one.
struct EpochCost {
  std::map<std::string, double> per_model;
  double estimate(const std::string& model) const {
    const auto it = per_model.find(model);
    if (it != per_model.end()) return it->second;
    double slowest = 0;
    for (const auto& kv : per_model) slowest = std::max(slowest, kv.second);
    return slowest;
  }
  void record(const std::string& model, const SweepRow& row) {
    if (row.epochs_run > 0) per_model[model] = row.seconds / row.epochs_run;
  }
};

Combination with_epochs(Combination c, int epochs) {
  c.emplace_back("epochs", std::to_string(epochs));
  return c;
}

void print_row(const SweepRow& row) {
  std::fputs(kept_epoch_line(row, true).c_str(), stdout);
  std::fflush(stdout);
}

// Trains `cand` for `epochs` (0: the recipe's automatic length) on this rank as trial
// `trial` of `round`, prints its line and keeps its row and model.
void train_candidate(Candidate& cand, int epochs, const kcell::Dataset& dataset,
                     const DatasetInfo& info, EpochCost& cost, TrialRound& round, size_t trial) {
  TrainOptions o = cand.options;
  o.epochs = epochs;
  cand.epochs = epochs;
  TrainingOutcome run = train_model(o, dataset, info, true);
  cand.row = sweep_row(with_epochs(cand.combination, run.planned_epochs), run.history, run.seconds);
  cand.model.emplace(std::move(run.model));
  cand.owner = run_rank();
  cost.record(o.model, cand.row);
  round.finish(trial, cand.row, run.planned_epochs);
  print_row(cand.row);
}

// After round.exchange(): every rank holds `cand`'s row of trial `trial` and knows who
// holds its model (the others drop theirs); rank 0 prints the lines of other ranks' trials,
// headed by `title`. False when the trial did not run.
bool take_result(Candidate& cand, int epochs, const TrialRound& round,
                 const std::vector<TrialResult>& results, size_t trial, EpochCost& cost,
                 const std::string& title) {
  const TrialResult& result = results[trial];
  if (!result.ran) {
    if (!round.mine(trial))
      std::printf("%s on rank %d: left out\n", title.c_str(), round.owner(trial));
    return false;
  }
  if (!round.mine(trial)) {
    std::printf("%s on rank %d: %s\n", title.c_str(), round.owner(trial),
                describe_combination(result.row.combination).c_str());
    print_row(result.row);
    cand.model.reset();
  }
  cand.row = result.row;
  cand.epochs = epochs;
  cand.owner = round.owner(trial);
  cost.record(cand.options.model, cand.row);
  return true;
}

// `done` best first by `metric` on their rows (rank_rows' order, stable for ties).
std::vector<Candidate*> ranked_candidates(const std::vector<Candidate*>& done,
                                          const std::string& metric) {
  std::vector<SweepRow> rows;
  for (const Candidate* cand : done) rows.push_back(cand->row);
  rank_rows(rows, metric);
  std::vector<Candidate*> order;
  for (const SweepRow& row : rows)
    for (Candidate* cand : done)
      if (cand->row.combination == row.combination &&
          std::find(order.begin(), order.end(), cand) == order.end()) {
        order.push_back(cand);
        break;
      }
  return order;
}

void run_tune(const TuneCommand& c) {
  const auto start = Clock::now();
  // Under mpirun each run trains in one process on its rank (trial_ranks.hpp); rank 0
  // alone prints and writes.
  const SingleProcessTraining alone;
  const bool writes = run_rank() == 0;
  const double budget = c.budget_minutes;
  std::vector<GridAxis> space = c.grid.empty() ? default_tune_space() : parse_grid(c.grid);
  for (const GridAxis& axis : space)
    if (axis.key == "epochs")
      throw CLI::ValidationError("--grid",
                                 "tune sets the epochs of every rung itself; use "
                                 "--min-epochs and --max-epochs");
  std::vector<Candidate> pool;
  for (const Combination& combination :
       tune_candidates(space, c.train, c.candidates, c.train.seed)) {
    Candidate candidate;
    candidate.combination = combination;
    candidate.options = apply_combination(c.train, combination);  // checks every value
    pool.push_back(std::move(candidate));
  }
  if (!c.table.empty()) check_sweep_output_name(c.table);

  const kcell::Dataset dataset(c.data);
  const DatasetInfo info = describe_dataset(dataset, c.data);
  if (info.count(KCELL_SPLIT_VAL) == 0)
    throw Failure(c.data + ": has no validation split to select on");
  std::set<std::string> architectures;
  for (Candidate& cand : pool) {
    cand.options.model = chosen_architecture(cand.options.model, info);
    for (auto& [key, value] : cand.combination)
      if (key == "model") value = cand.options.model;
    if (architectures.insert(cand.options.model).second) create_model(cand.options, info);
  }
  if (!c.quiet) print_dataset_summary(dataset, info);

  // The baseline: the defaults' recipe trained as `kcell train` would (its own length), once.
  // Its length is the last rung's, and it stands there for the defaults without a rerun.
  EpochCost cost;
  Candidate baseline;
  baseline.combination = pool.front().combination;
  baseline.options = pool.front().options;
  int max_epochs = c.max_epochs;
  if (max_epochs == 0) {
    std::printf("baseline: the defaults' recipe at its own length: %s\n",
                describe_combination(baseline.combination).c_str());
    std::fflush(stdout);
    TrialRound round(1);
    if (round.mine(0)) train_candidate(baseline, c.train.epochs, dataset, info, cost, round, 0);
    const std::vector<TrialResult> results = round.exchange();
    take_result(baseline, c.train.epochs, round, results, 0, cost, "baseline");
    max_epochs = std::max(1, results[0].planned_epochs);
  }
  // Two finalists at full length beside the baseline: the time left goes to the pick's seeds.
  constexpr size_t kFinalists = 2;
  const std::vector<Rung> rungs =
      halving_rungs(pool.size(), c.min_epochs, max_epochs, c.eta, kFinalists);
  std::printf("tuning %zu candidates in %zu rungs (epochs", pool.size(), rungs.size());
  for (const Rung& r : rungs) std::printf(" %d", r.epochs);
  std::printf("), ranked by %s on the validation split, budget %.1f min\n", c.rank_by.c_str(),
              budget);
  std::fflush(stdout);

  // Time kept for the pick's extra seeds, at the baseline's own pace: the search gives way
  // to them, as seeds of the defaults beat the defaults alone (docs/recipe-experiments.md).
  const double reserve =
      baseline.owner >= 0 ? static_cast<double>(c.ensemble - 1) * baseline.row.seconds / 60 : 0.0;
  std::vector<SweepRow> table;  // every finished run, the latest rung first at the end
  std::vector<Candidate*> alive;
  for (Candidate& cand : pool) alive.push_back(&cand);
  bool out_of_time = false;
  size_t rungs_done = 0;
  std::vector<Candidate*> finished;  // of the last rung that finished at least one run
  for (size_t r = 0; r < rungs.size() && !out_of_time; ++r) {
    const Rung& rung = rungs[r];
    // The rung's runs are trials spread over the ranks (one process: in order). Each rank
    // checks the budget before each of its own; the exchange then tells every rank which
    // ran, so all take the same decisions from the same rows.
    const auto reuses_baseline = [&](const Candidate* cand) {
      return cand == &pool.front() && baseline.owner >= 0 && rung.epochs == max_epochs;
    };
    std::vector<size_t> trial_of(alive.size(), 0);
    size_t trials = 0;
    for (size_t i = 0; i < alive.size(); ++i)
      if (!reuses_baseline(alive[i])) trial_of[i] = trials++;
    TrialRound round(trials);
    bool left_out = false;  // on this rank
    for (size_t i = 0; i < alive.size() && !left_out; ++i) {
      Candidate& cand = *alive[i];
      if (reuses_baseline(&cand)) {
        std::printf("rung %zu/%zu run %zu/%zu: the baseline (trained already)\n", r + 1,
                    rungs.size(), i + 1, alive.size());
        continue;
      }
      if (!round.mine(trial_of[i])) continue;
      const double expected = cost.estimate(cand.options.model) * rung.epochs / 60;
      if (minutes_since(start) + expected + reserve > budget) {
        size_t mine_left = 0;
        for (size_t j = i; j < alive.size(); ++j)
          mine_left += reuses_baseline(alive[j]) || round.mine(trial_of[j]) ? 1 : 0;
        std::printf(
            "rung %zu: %zu run(s) left out, the budget would be exceeded (%.1f of "
            "%.1f min used, next run ~%.1f min, %.1f min kept for the pick's seeds)\n",
            r + 1, mine_left, minutes_since(start), budget, expected, reserve);
        left_out = true;
        break;
      }
      std::printf("rung %zu/%zu run %zu/%zu: %s  (%.1f of %.1f min used)\n", r + 1, rungs.size(),
                  i + 1, alive.size(),
                  describe_combination(with_epochs(cand.combination, rung.epochs)).c_str(),
                  minutes_since(start), budget);
      std::fflush(stdout);
      train_candidate(cand, rung.epochs, dataset, info, cost, round, trial_of[i]);
    }
    const std::vector<TrialResult> results = round.exchange();
    // As one process would: the runs in order up to the first left out (the baseline only
    // before it), and any later run another rank finished.
    std::vector<Candidate*> done;
    for (size_t i = 0; i < alive.size(); ++i) {
      Candidate& cand = *alive[i];
      if (reuses_baseline(&cand)) {
        if (out_of_time) continue;
        cand.row = baseline.row;
        cand.model = std::move(baseline.model);
        cand.owner = baseline.owner;
        cand.epochs = baseline.epochs;
        baseline.model.reset();
        baseline.owner = -1;
        done.push_back(&cand);
        continue;
      }
      const std::string title = "rung " + std::to_string(r + 1) + "/" +
                                std::to_string(rungs.size()) + " run " + std::to_string(i + 1) +
                                "/" + std::to_string(alive.size());
      if (take_result(cand, rung.epochs, round, results, trial_of[i], cost, title))
        done.push_back(&cand);
      else
        out_of_time = true;
    }
    if (done.empty()) break;
    const std::vector<Candidate*> order = ranked_candidates(done, c.rank_by);
    std::vector<SweepRow> ranked;
    for (const Candidate* cand : order) ranked.push_back(cand->row);
    table.insert(table.begin(), ranked.begin(), ranked.end());
    finished = order;
    ++rungs_done;
    if (!c.table.empty() && writes)
      write_text_file(c.table, sweep_table_for(c.table, table, c.rank_by));
    if (r + 1 < rungs.size()) {
      alive = next_rung(order, rungs[r + 1].candidates, &pool.front());
      for (Candidate* cand : order)  // free the memory of the ones left behind
        if (std::find(alive.begin(), alive.end(), cand) == alive.end()) {
          cand->model.reset();
          cand->owner = -1;
        }
    }
  }
  // A search cut short by the budget before the last rung reached the baseline: the pick
  // comes from the full-length runs, the baseline among them. Shorter runs of earlier rungs
  // would only weaken an ensemble with it (PneumoniaMNIST: 0.883 against its 0.893).
  if (baseline.owner >= 0) {
    table.push_back(baseline.row);
    std::vector<Candidate*> full_length = {&baseline};
    for (Candidate* cand : finished)
      if (rungs_done == rungs.size()) full_length.push_back(cand);
    finished = ranked_candidates(full_length, c.rank_by);
  }
  finished.erase(std::remove_if(finished.begin(), finished.end(),
                                [](const Candidate* cand) { return cand->owner < 0; }),
                 finished.end());
  if (finished.empty())
    throw Failure("the budget of " + std::to_string(budget) +
                  " minutes ended before any run finished");

  std::printf("\n%zu of %zu rungs done in %.1f min; the latest rung first, each ranked by %s:\n%s",
              rungs_done, rungs.size(), minutes_since(start), c.rank_by.c_str(),
              sweep_markdown(table).c_str());
  if (!c.table.empty()) std::printf("table saved to %s\n", c.table.c_str());

  // The pick: the best recipe, with --ensemble - 1 more runs of it under the next seeds.
  // Seeds of one recipe make a better ensemble than different recipes: on PneumoniaMNIST
  // the defaults' seeds 42-44 averaged to ACC 0.893 / AUC 0.965 (0.889 / 0.963 each, on
  // average), the defaults, resnet10 and lr 0.003 together to 0.885 / 0.964, as the weaker
  // members pull the decision away from the best one's (docs/recipe-experiments.md).
  Candidate& best = *finished[0];
  std::vector<Candidate> replicas(c.ensemble - 1);
  for (size_t t = 0; t < replicas.size(); ++t) {
    replicas[t].combination = best.combination;
    replicas[t].options = best.options;
    replicas[t].options.seed = best.options.seed + t + 1;
  }
  TrialRound seeds(replicas.size());  // spread over the ranks as the rungs are
  for (size_t t = 0; t < replicas.size(); ++t) {
    if (!seeds.mine(t)) continue;
    const double expected = best.row.seconds / 60;  // the same recipe, the same length
    if (minutes_since(start) + expected > budget) {
      size_t mine_left = 0;
      for (size_t u = t; u < replicas.size(); ++u) mine_left += seeds.mine(u) ? 1 : 0;
      std::printf(
          "ensemble: %zu more seed(s) left out, the budget would be exceeded (%.1f of %.1f min "
          "used, next run ~%.1f min)\n",
          mine_left, minutes_since(start), budget, expected);
      break;
    }
    std::printf("ensemble run %zu/%zu: the pick's recipe with seed %llu  (%.1f of %.1f min used)\n",
                t + 2, c.ensemble, static_cast<unsigned long long>(replicas[t].options.seed),
                minutes_since(start), budget);
    std::fflush(stdout);
    train_candidate(replicas[t], best.epochs, dataset, info, cost, seeds, t);
  }
  const std::vector<TrialResult> seed_results = seeds.exchange();
  // As one process would: the seeds up to the first left out.
  size_t seeds_run = 0;
  while (seeds_run < replicas.size() &&
         take_result(
             replicas[seeds_run], best.epochs, seeds, seed_results, seeds_run, cost,
             "ensemble run " + std::to_string(seeds_run + 2) + "/" + std::to_string(c.ensemble)))
    ++seeds_run;
  replicas.resize(seeds_run);
  // The members' models on rank 0, which alone goes on.
  move_to_rank0(best.model, best.owner);
  for (Candidate& replica : replicas) move_to_rank0(replica.model, replica.owner);
  if (!writes) return;
  const size_t members = 1 + replicas.size();
  std::optional<kcell::Model> ensemble;
  if (members > 1) {
    std::vector<const kcell::Model*> models = {&*best.model};
    for (const Candidate& replica : replicas) models.push_back(&*replica.model);
    in_context("cannot combine the runs into an ensemble",
               [&] { ensemble.emplace(kcell::Model::ensemble(models)); });
  }
  const kcell::Model& pick = members > 1 ? *ensemble : *best.model;
  std::printf("pick: %s%s\n", describe_combination(best.row.combination).c_str(),
              members > 1 ? (", an ensemble of seeds " + std::to_string(best.options.seed) + "-" +
                             std::to_string(best.options.seed + members - 1))
                                .c_str()
                          : "");
  if (!c.out.empty()) {
    in_context("cannot save the model", [&] { pick.save(c.out); });
    std::printf("%s saved to %s\n", members > 1 ? "ensemble" : "model", c.out.c_str());
  }
  // Only now, with the choice made, is the test split looked at.
  nlohmann::json j = {{"ranked_by", c.rank_by},
                      {"budget_minutes", budget},
                      {"minutes", minutes_since(start)},
                      {"rungs_done", rungs_done},
                      {"ensemble_members", members},
                      {"table", nlohmann::json::parse(sweep_json(table, c.rank_by))["runs"]}};
  nlohmann::json picked = nlohmann::json::array();
  for (size_t i = 0; i < members; ++i) {
    const Candidate& member = i == 0 ? best : replicas[i - 1];
    nlohmann::json settings = nlohmann::json::object();
    for (const auto& [key, value] : member.row.combination) settings[key] = value;
    settings["seed"] = std::to_string(member.options.seed);
    settings["val_loss"] = member.row.val_loss;
    settings["val_auc"] = member.row.val_auc;
    picked.push_back(settings);
  }
  j["pick"] = picked;
  const kcell_split held_out =
      info.count(KCELL_SPLIT_TEST) > 0 ? KCELL_SPLIT_TEST : KCELL_SPLIT_VAL;
  const Evaluation evaluation = evaluate_split(pick, dataset, held_out, c.data);
  std::printf("the pick on the %s split (not used for selection):\n", split_name(held_out));
  print_evaluation(evaluation, !c.quiet);
  j[split_name(held_out)] = evaluation_json(evaluation);
  if (!c.json.empty()) write_text_file(c.json, j.dump(2) + "\n");
}

}  // namespace

void add_tune_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "tune", "Search training recipes and architectures by successive halving in a time budget");
  cmd->footer(
      "\nFirst the baseline: the defaults' recipe trained as kcell train would, whose length\n"
      "(--max-epochs 0) every last rung takes. Then candidates (the default recipe first,\n"
      "then a reproducible sample of the search space) are trained for --min-epochs; the\n"
      "best third (--eta 3) by the validation metric (--rank-by, default val_loss: a proper\n"
      "score that does not saturate like accuracy on an easy validation split) go on with\n"
      "three times the epochs, and so on until two remain, trained at full length\n"
      "beside the baseline. The best of them is the pick, trained --ensemble - 1 more times\n"
      "under the next seeds (default 3 in all) and saved as their ensemble; the search\n"
      "keeps the time those seeds take at the baseline's pace. A\n"
      "run that would end past --budget is not started. The test split is evaluated only\n"
      "for the final pick. Default space: model=resnet10,resnet8,reference\n"
      "lr=0.003,0.001,0.0003 weight-decay=0.05,0.005\n"
      "augment=hflip+vflip+rot90+jitter+rotate,hflip+vflip+rot90+jitter,hflip,none\n"
      "class-weights=sqrt,none,auto label-smoothing=0,0.1 (--grid replaces it).");
  auto c = std::make_shared<TuneCommand>();
  cmd->add_option("--data", c->data, "A MedMNIST .npz or an IDX folder (needs a validation split)")
      ->required();
  cmd->add_option("--budget", c->budget_minutes, "Minutes the whole search may take")
      ->check(CLI::Range(0.01, 100000.0))
      ->capture_default_str();
  cmd->add_option("--grid", c->grid,
                  "Search space as in kcell sweep (KEY=V1,V2,... entries); replaces the "
                  "default space");
  add_train_options(*cmd, c->train);
  cmd->add_option("--candidates", c->candidates, "Recipes in the first rung")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  cmd->add_option("--min-epochs", c->min_epochs, "Epochs of the first rung")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  cmd->add_option("--max-epochs", c->max_epochs,
                  "Epochs of the last rung (the most of any); 0: the baseline's, the length "
                  "kcell train gives the defaults' recipe")
      ->check(CLI::Range(0, 100000))
      ->capture_default_str();
  cmd->add_option("--eta", c->eta, "Each rung keeps 1/eta of the candidates, with eta× the epochs")
      ->check(CLI::Range(2, 100))
      ->capture_default_str();
  cmd->add_option("--ensemble", c->ensemble,
                  "Runs of the best recipe (seeds --seed, --seed + 1, ...) to save as an ensemble")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  cmd->add_option("--rank-by", c->rank_by,
                  "val_balanced_accuracy, val_accuracy, val_auc or val_loss")
      ->check(CLI::IsMember(sweep_rank_metrics()))
      ->capture_default_str();
  cmd->add_option("--out", c->out, "Save the pick (model or ensemble) to this file");
  cmd->add_option("--table", c->table,
                  "Save the table of every run: .csv, .md or .json, rewritten after each rung");
  cmd->add_option("--json", c->json,
                  "Write the table, the pick and its test evaluation as JSON to this file");
  cmd->add_flag("--quiet", c->quiet, "No dataset summary or per-class table");
  cmd->callback([c] { run_tune(*c); });
}

}  // namespace kcell_cli
