// `kcell train --seeds N`: the same recipe trained with seeds s .. s+N-1, each evaluated on
// the held-out split, summarised as mean ± sd of every metric, and the N models combined
// into one ensemble (kcell_model_ensemble_create) whose probabilities are their mean.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "evaluation.hpp"
#include "metric_spread.hpp"
#include "training_run.hpp"

namespace kcell_cli {

struct SeedRun {
  uint64_t seed = 0;
  TrainingOutcome outcome;
  Evaluation held_out;  // of the held-out split (test, else val)
};

// Every metric of the runs: the kept epoch's validation numbers and train-val gap, the
// held-out split's loss, accuracy, balanced accuracy and AUC (named "<split>_<metric>"),
// epochs run and minutes.
std::vector<MetricSpread> seed_spreads(const std::vector<SeedRun>& runs);

// One line per seed, then the mean ± sd line, as a Markdown table.
std::string seed_table(const std::vector<SeedRun>& runs, const std::vector<MetricSpread>& spreads);

// {"seeds": [...], "runs": [{"seed", "validation", held-out evaluation}], "mean_sd": {...}}
nlohmann::json seeds_json(const std::vector<SeedRun>& runs,
                          const std::vector<MetricSpread>& spreads);

// An ensemble of the runs' models. Throws Failure.
kcell::Model ensemble_of(const std::vector<SeedRun>& runs);

}  // namespace kcell_cli
