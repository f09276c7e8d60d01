#include "seed_runs.hpp"

#include <cmath>
#include <cstdio>
#include <functional>
#include <utility>

#include "common.hpp"
#include "metrics_json.hpp"

namespace kcell_cli {
namespace {

using Column = std::pair<std::string, std::vector<double>>;  // metric, one value per run

double chosen_value(const SeedRun& r, double kcell_epoch_stats::*field) {
  const kcell_epoch_stats* s = r.outcome.history.chosen();
  return s ? s->*field : NAN;
}

std::vector<Column> seed_columns(const std::vector<SeedRun>& runs) {
  std::vector<Column> out;
  auto add = [&](const std::string& name, const std::function<double(const SeedRun&)>& get) {
    std::vector<double> values;
    for (const SeedRun& r : runs) values.push_back(get(r));
    out.emplace_back(name, std::move(values));
  };
  add("val_loss", [](const SeedRun& r) { return chosen_value(r, &kcell_epoch_stats::val_loss); });
  add("val_accuracy",
      [](const SeedRun& r) { return chosen_value(r, &kcell_epoch_stats::val_accuracy); });
  add("val_balanced_accuracy",
      [](const SeedRun& r) { return chosen_value(r, &kcell_epoch_stats::val_balanced_accuracy); });
  add("val_auc", [](const SeedRun& r) { return chosen_value(r, &kcell_epoch_stats::val_auc); });
  add("train_val_gap",
      [](const SeedRun& r) { return chosen_value(r, &kcell_epoch_stats::train_val_gap); });
  if (!runs.empty()) {
    const std::string split = split_name(runs[0].held_out.split);
    add(split + "_loss", [](const SeedRun& r) { return r.held_out.metrics.loss; });
    add(split + "_accuracy", [](const SeedRun& r) { return r.held_out.metrics.accuracy; });
    add(split + "_balanced_accuracy",
        [](const SeedRun& r) { return r.held_out.metrics.balanced_accuracy; });
    add(split + "_auc", [](const SeedRun& r) { return r.held_out.metrics.auc; });
  }
  add("epochs",
      [](const SeedRun& r) { return static_cast<double>(r.outcome.history.epochs.size()); });
  add("minutes", [](const SeedRun& r) { return r.outcome.seconds / 60; });
  return out;
}

std::string cell(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4f", v);
  return text;
}

}  // namespace

std::vector<MetricSpread> seed_spreads(const std::vector<SeedRun>& runs) {
  std::vector<MetricSpread> out;
  for (const Column& c : seed_columns(runs)) out.push_back(spread_of(c.first, c.second));
  return out;
}

std::string seed_table(const std::vector<SeedRun>& runs, const std::vector<MetricSpread>& spreads) {
  const std::vector<Column> columns = seed_columns(runs);
  std::string text = "| seed |", rule = "|---|";
  for (const Column& c : columns) {
    text += " " + c.first + " |";
    rule += "---:|";
  }
  text += "\n" + rule + "\n";
  for (size_t i = 0; i < runs.size(); ++i) {
    text += "| " + std::to_string(runs[i].seed) + " |";
    for (const Column& c : columns) text += " " + cell(c.second[i]) + " |";
    text += "\n";
  }
  text += "| mean ± sd |";
  for (const MetricSpread& s : spreads) text += " " + format_spread(s) + " |";
  return text + "\n";
}

nlohmann::json seeds_json(const std::vector<SeedRun>& runs,
                          const std::vector<MetricSpread>& spreads) {
  nlohmann::json seeds = nlohmann::json::array(), each = nlohmann::json::array();
  for (const SeedRun& r : runs) {
    seeds.push_back(r.seed);
    nlohmann::json j = evaluation_json(r.held_out);
    j["seed"] = r.seed;
    j["seconds"] = r.outcome.seconds;
    j["training"] = history_json(r.outcome.history);
    each.push_back(j);
  }
  return {{"seeds", seeds}, {"runs", each}, {"mean_sd", spreads_json(spreads)}};
}

kcell::Model ensemble_of(const std::vector<SeedRun>& runs) {
  std::vector<const kcell::Model*> models;
  for (const SeedRun& r : runs) models.push_back(&r.outcome.model);
  return in_context("cannot combine the models into an ensemble",
                    [&] { return kcell::Model::ensemble(models); });
}

}  // namespace kcell_cli
