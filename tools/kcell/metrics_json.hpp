// JSON forms of evaluations and epochs (nlohmann::json), shared by --json and metrics.json.
#pragma once

#include <kcell/kcell.hpp>

#include <nlohmann/json.hpp>

#include "evaluation.hpp"
#include "history.hpp"

namespace kcell_cli {

// {"split", "precision" (fp32, bf16 or int8), "n", "accuracy", "balanced_accuracy", "auc",
// "loss", "confusion" (one row per true class), "per_class" [{"class", "name", "precision",
// "recall", "f1", "support", "predicted", "auc"}], "class_names", "ece", "classwise_ece",
// "nll", "brier", "temperature", "reliability" (15 bins: lower, upper, count, confidence,
// accuracy), "risk_coverage" {"aurc", "points" [{coverage, accuracy, threshold}]},
// "conformal" ({alpha, coverage, mean_set_size, empty_sets, per_class_coverage} or null)}.
// NaN becomes null.
nlohmann::json evaluation_json(const Evaluation& e);

// One epoch, numbered from 1.
nlohmann::json epoch_json(const kcell_epoch_stats& s);

// {"epochs": [...], "best_epoch": number from 1 or null}.
nlohmann::json history_json(const RunHistory& history);

}  // namespace kcell_cli
