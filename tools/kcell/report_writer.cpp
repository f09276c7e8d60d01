#include "report_writer.hpp"

#include <cmath>
#include <cstdio>
#include <ctime>

#include "common.hpp"
#include "metrics_json.hpp"
#include "report_html.hpp"
#include "text_file.hpp"

namespace kcell_cli {
namespace {

std::string csv_number(double value) {
  if (!std::isfinite(value)) return "";
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", value);
  return text;
}

}  // namespace

void describe_model_for_report(const kcell::Model& model, ReportData& report) {
  in_context("model", [&] {
    const kcell_model_info info = model.info();
    report.num_params = info.num_params;
    report.channels = info.channels;
    report.height = info.height;
    report.width = info.width;
    report.architecture = model.architecture();
  });
  char created[32];
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  std::strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &utc);
  report.created = created;
}

nlohmann::json report_metrics_json(const ReportData& r) {
  nlohmann::json settings = nlohmann::json::object();
  for (const auto& [name, value] : r.settings) settings[name] = value;
  nlohmann::json j = {
      {"kcell_version", kcell::version()},
      {"created", r.created},
      {"command", r.command},
      {"data", r.data_path},
      {"model",
       {{"file", r.model_path.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.model_path)},
        {"architecture", r.architecture},
        {"parameters", r.num_params},
        {"input", {r.channels, r.height, r.width}},
        {"class_names", r.evaluation.class_names}}},
      {"settings", settings}};
  if (!r.history.epochs.empty()) {
    const nlohmann::json history = history_json(r.history);
    nlohmann::json training = {
        {"seconds", r.train_seconds},
        {"epochs", r.history.epochs.size()},
        {"best_epoch", history["best_epoch"]},
        {"monitor", r.monitor.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.monitor)}};
    if (const kcell_epoch_stats* kept = r.history.chosen())
      training["validation"] = {
          {"epoch", kept->epoch + 1},       {"loss", kept->val_loss},
          {"accuracy", kept->val_accuracy}, {"balanced_accuracy", kept->val_balanced_accuracy},
          {"auc", kept->val_auc},           {"train_val_gap", kept->train_val_gap}};
    j["training"] = training;
    j["history"] = history["epochs"];
  }
  j[split_name(r.evaluation.split)] = evaluation_json(r.evaluation);
  if (!r.seeds.empty())
    j["seeds"] = {{"seeds", r.seeds}, {"mean_sd", spreads_json(r.seed_spreads)}};
  return j;
}

std::string history_csv(const RunHistory& history) {
  std::string out =
      "epoch,train_loss,train_accuracy,val_loss,val_accuracy,val_balanced_accuracy,val_auc,"
      "train_val_gap,learning_rate,seconds,best\n";
  for (size_t i = 0; i < history.epochs.size(); ++i) {
    const kcell_epoch_stats& s = history.epochs[i];
    out += std::to_string(s.epoch + 1);
    for (double v :
         {s.train_loss, s.train_accuracy, s.val_loss, s.val_accuracy, s.val_balanced_accuracy,
          s.val_auc, s.train_val_gap, s.learning_rate, s.seconds})
      out += "," + csv_number(v);
    out += static_cast<int>(i) == history.best ? ",1\n" : ",0\n";
  }
  return out;
}

std::string write_report(const std::string& dir, const ReportData& report) {
  make_directory(dir);
  write_text_file(dir + "/metrics.json", report_metrics_json(report).dump(2) + "\n");
  if (!report.history.epochs.empty())
    write_text_file(dir + "/history.csv", history_csv(report.history));
  const std::string html = dir + "/report.html";
  write_text_file(html, render_report_html(report));
  return html;
}

}  // namespace kcell_cli
