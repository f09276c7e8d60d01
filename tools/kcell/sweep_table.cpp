#include "sweep_table.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace kcell_cli {
namespace {

double metric_of(const SweepRow& r, const std::string& metric) {
  if (metric == "val_accuracy") return r.val_accuracy;
  if (metric == "val_auc") return r.val_auc;
  if (metric == "val_loss") return r.val_loss;
  return r.val_balanced_accuracy;
}

std::string number(double v, int decimals) {
  if (!std::isfinite(v)) return "";
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", decimals, v);
  return text;
}

std::vector<std::string> keys_of(const std::vector<SweepRow>& rows) {
  std::vector<std::string> keys;
  if (!rows.empty())
    for (const auto& kv : rows.front().combination) keys.push_back(kv.first);
  return keys;
}

const std::vector<std::string> kMetricHeaders = {"val_accuracy", "val_balanced_accuracy", "val_auc",
                                                 "val_loss",     "train_val_gap",         "epoch",
                                                 "minutes"};

std::vector<std::string> row_cells(size_t rank, const SweepRow& r) {
  std::vector<std::string> cells = {std::to_string(rank)};
  for (const auto& kv : r.combination) cells.push_back(kv.second);
  cells.push_back(number(r.val_accuracy, 4));
  cells.push_back(number(r.val_balanced_accuracy, 4));
  cells.push_back(number(r.val_auc, 4));
  cells.push_back(number(r.val_loss, 4));
  cells.push_back(number(r.train_val_gap, 4));
  cells.push_back(std::to_string(r.kept_epoch) + "/" + std::to_string(r.epochs_run));
  cells.push_back(number(r.seconds / 60, 2));
  return cells;
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

std::string extension(const std::string& path) {
  const size_t dot = path.find_last_of('.');
  const size_t slash = path.find_last_of('/');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
  return path.substr(dot);
}

}  // namespace

SweepRow sweep_row(const Combination& combination, const RunHistory& history, double seconds) {
  SweepRow row;
  row.combination = combination;
  row.epochs_run = static_cast<int>(history.epochs.size());
  row.seconds = seconds;
  if (const kcell_epoch_stats* s = history.chosen()) {
    row.kept_epoch = s->epoch + 1;
    row.val_loss = s->val_loss;
    row.val_accuracy = s->val_accuracy;
    row.val_balanced_accuracy = s->val_balanced_accuracy;
    row.val_auc = s->val_auc;
    row.train_val_gap = s->train_val_gap;
  }
  return row;
}

const std::vector<std::string>& sweep_rank_metrics() {
  static const std::vector<std::string> all = {"val_balanced_accuracy", "val_accuracy", "val_auc",
                                               "val_loss"};
  return all;
}

void rank_rows(std::vector<SweepRow>& rows, const std::string& metric) {
  const bool lower_better = metric == "val_loss";
  std::stable_sort(rows.begin(), rows.end(), [&](const SweepRow& a, const SweepRow& b) {
    const double x = metric_of(a, metric), y = metric_of(b, metric);
    if (std::isnan(x) || std::isnan(y)) return !std::isnan(x) && std::isnan(y);
    return lower_better ? x < y : x > y;
  });
}

std::string kept_epoch_line(const SweepRow& row, bool with_loss) {
  char loss[32] = "";
  if (with_loss) std::snprintf(loss, sizeof loss, "loss %.4f  ", row.val_loss);
  char line[256];
  std::snprintf(line, sizeof line,
                "  kept epoch %d/%d: val accuracy %.4f  balanced accuracy %.4f  AUC %.4f  "
                "%sgap %+.4f  (%.1f min)\n",
                row.kept_epoch, row.epochs_run, row.val_accuracy, row.val_balanced_accuracy,
                row.val_auc, loss, row.train_val_gap, row.seconds / 60);
  return line;
}

std::string sweep_markdown(const std::vector<SweepRow>& rows) {
  std::vector<std::string> header = {"rank"};
  for (const auto& key : keys_of(rows)) header.push_back(key);
  header.insert(header.end(), kMetricHeaders.begin(), kMetricHeaders.end());
  std::vector<std::vector<std::string>> table = {header};
  for (size_t i = 0; i < rows.size(); ++i) table.push_back(row_cells(i + 1, rows[i]));
  std::vector<size_t> width(header.size(), 3);
  for (const auto& line : table)
    for (size_t c = 0; c < line.size(); ++c) width[c] = std::max(width[c], line[c].size());
  auto format_line = [&](const std::vector<std::string>& line) {
    std::string out = "|";
    for (size_t c = 0; c < line.size(); ++c)
      out += " " + line[c] + std::string(width[c] - line[c].size(), ' ') + " |";
    return out + "\n";
  };
  std::string out = format_line(header) + "|";
  for (size_t w : width) out += std::string(w + 2, '-') + "|";
  out += "\n";
  for (size_t i = 1; i < table.size(); ++i) out += format_line(table[i]);
  return out;
}

std::string sweep_csv(const std::vector<SweepRow>& rows) {
  std::string out = "rank";
  for (const auto& key : keys_of(rows)) out += "," + csv_field(key);
  for (const auto& h : kMetricHeaders) out += "," + h;
  out += "\n";
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto cells = row_cells(i + 1, rows[i]);
    for (size_t c = 0; c < cells.size(); ++c) out += (c ? "," : "") + csv_field(cells[c]);
    out += "\n";
  }
  return out;
}

std::string sweep_json(const std::vector<SweepRow>& rows, const std::string& metric) {
  nlohmann::json runs = nlohmann::json::array();
  for (size_t i = 0; i < rows.size(); ++i) {
    const SweepRow& r = rows[i];
    nlohmann::json settings = nlohmann::json::object();
    for (const auto& [key, value] : r.combination) settings[key] = value;
    runs.push_back({{"rank", i + 1},
                    {"settings", settings},
                    {"val_accuracy", r.val_accuracy},
                    {"val_balanced_accuracy", r.val_balanced_accuracy},
                    {"val_auc", r.val_auc},
                    {"val_loss", r.val_loss},
                    {"train_val_gap", r.train_val_gap},
                    {"kept_epoch", r.kept_epoch},
                    {"epochs_run", r.epochs_run},
                    {"seconds", r.seconds}});
  }
  return nlohmann::json{{"ranked_by", metric}, {"runs", runs}}.dump(2) + "\n";
}

void check_sweep_output_name(const std::string& path) {
  const std::string ext = extension(path);
  if (ext != ".csv" && ext != ".md" && ext != ".json")
    throw CLI::ValidationError("--out", "'" + path + "' should end in .csv, .md or .json");
}

std::string sweep_table_for(const std::string& path, const std::vector<SweepRow>& rows,
                            const std::string& metric) {
  check_sweep_output_name(path);
  const std::string ext = extension(path);
  if (ext == ".csv") return sweep_csv(rows);
  if (ext == ".json") return sweep_json(rows, metric);
  return sweep_markdown(rows);
}

}  // namespace kcell_cli
