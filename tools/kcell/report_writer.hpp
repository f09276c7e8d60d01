// `--report DIR`: metrics.json, history.csv (after training) and report.html in DIR.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "report_data.hpp"

namespace kcell_cli {

// metrics.json's content: kcell_version, created, command, data, model, settings,
// training (seconds, epochs, best_epoch, monitor, validation at the kept epoch), history,
// and the evaluation under its split name ("test").
nlohmann::json report_metrics_json(const ReportData& report);

// history.csv's content: one row per epoch, numbered from 1, with a `best` column.
std::string history_csv(const RunHistory& history);

// Creates DIR if needed and writes the files; returns the path of report.html.
std::string write_report(const std::string& dir, const ReportData& report);

}  // namespace kcell_cli
