#include "report_html.hpp"

#include <cmath>
#include <cstdio>

#include "common.hpp"
#include "report_style.hpp"
#include "svg.hpp"
#include "svg_bar_chart.hpp"
#include "svg_calibration.hpp"
#include "svg_heatmap.hpp"
#include "svg_line_chart.hpp"

namespace kcell_cli {
namespace {

using svg::escape;

std::string metric(double value, int decimals = 3) {
  return std::isfinite(value) ? svg::fixed(value, decimals) : "n/a";
}

std::string duration(double seconds) {
  if (seconds < 100) return svg::fixed(seconds, seconds < 10 ? 1 : 0) + " s";
  return svg::fixed(seconds / 60, 1) + " min";
}

std::string thousands(size_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ",";
    out += digits[i];
  }
  return out;
}

std::string file_name(const std::string& path) {
  std::string trimmed = path;
  while (trimmed.size() > 1 && trimmed.back() == '/') trimmed.pop_back();
  return trimmed.substr(trimmed.find_last_of('/') + 1);
}

// "val_balanced_accuracy" -> "val. balanced accuracy"
std::string readable_metric(std::string name) {
  if (name.rfind("val_", 0) == 0) name = "val. " + name.substr(4);
  for (char& c : name)
    if (c == '_') c = ' ';
  return name;
}

std::string card(const std::string& label, const std::string& value, const std::string& sub) {
  return "<div class=\"card\"><div class=\"label\">" + escape(label) +
         "</div><div class=\"value\">" + escape(value) + "</div><div class=\"sub\">" + escape(sub) +
         "</div></div>";
}

std::string header(const ReportData& r) {
  const bool trained = r.command == "train";
  const std::string model = r.model_path.empty() ? r.model_name : file_name(r.model_path);
  std::string out = "<header><div class=\"wrap\"><div class=\"kicker\">kcell · " +
                    std::string(trained ? "training" : "evaluation") + " report</div>";
  out += "<h1>" + escape(file_name(r.data_path)) + " — " + escape(model) + "</h1>";
  out += "<div class=\"meta\"><span>data <b>" + escape(r.data_path) + "</b></span>";
  out += "<span>input <b>" + std::to_string(r.channels) + "×" + std::to_string(r.height) + "×" +
         std::to_string(r.width) + "</b></span>";
  out += "<span>parameters <b>" + thousands(r.num_params) + "</b></span>";
  out += "<span>created <b>" + escape(r.created) + "</b></span>";
  out += "<span>kcell <b>" + escape(kcell::version()) + "</b></span></div></div></header>";
  return out;
}

std::string cards(const ReportData& r) {
  const kcell_metrics& m = r.evaluation.metrics;
  const std::string split = split_name(r.evaluation.split);
  std::string out = "<div class=\"cards\">";
  out += card("accuracy", metric(m.accuracy), split + " split");
  if (!r.evaluation.decision_bias.empty())
    out += card("plain argmax accuracy", metric(m.argmax_accuracy),
                std::string("without the ") + decision_rule_text(r.evaluation.decision_rule));
  const bool multi = r.evaluation.multi_label;
  out += card("balanced accuracy", metric(m.balanced_accuracy),
              multi ? "mean over labels" : "mean class recall");
  out += card("AUC", metric(m.auc), multi ? "mean of per-label AUCs" : "macro one-vs-rest");
  out += card("loss", metric(m.loss), multi ? "binary cross-entropy" : "cross-entropy");
  out += card("images", thousands(m.count),
              std::to_string(r.evaluation.classes()) + (multi ? " labels" : " classes"));
  if (!r.history.epochs.empty()) {
    const int kept = r.history.chosen()->epoch + 1;
    out +=
        card("kept epoch", std::to_string(kept) + " / " + std::to_string(r.history.epochs.size()),
             r.history.best >= 0 ? "best " + readable_metric(r.monitor) : "the last epoch");
    out += card("training time", duration(r.train_seconds), "train + validation");
  }
  return out + "</div>";
}

std::string learning_curves(const ReportData& r) {
  const auto& epochs = r.history.epochs;
  svg::ChartSeries train_loss{"train", svg::kBlue, {}, false, "train"};
  svg::ChartSeries val_loss{"validation", svg::kOrange, {}, false, "val"};
  svg::ChartSeries train_acc{"train", svg::kBlue, {}, false, "train"};
  svg::ChartSeries val_acc{"validation", svg::kOrange, {}, false, "val"};
  svg::ChartSeries val_balanced{"validation, balanced", svg::kGreen, {}, true, "val-balanced"};
  for (const auto& s : epochs) {
    train_loss.values.push_back(s.train_loss);
    val_loss.values.push_back(s.val_loss);
    train_acc.values.push_back(s.train_accuracy);
    val_acc.values.push_back(s.val_accuracy);
    val_balanced.values.push_back(s.val_balanced_accuracy);
  }
  svg::LineChart loss{"Loss per epoch", "loss", {train_loss, val_loss}, r.history.best};
  svg::LineChart accuracy{
      "Accuracy per epoch", "accuracy", {train_acc, val_acc, val_balanced}, r.history.best};
  std::string out = "<section class=\"panel\" id=\"learning-curves\"><h2>Learning curves</h2>";
  out +=
      "<p class=\"note\">Training values are measured during each epoch (with augmentation "
      "and dropout), validation values after it.";
  if (r.history.best >= 0)
    out += " The dashed line marks the epoch whose weights the model kept (best " +
           escape(readable_metric(r.monitor)) + ").";
  out += "</p><div class=\"two\"><div><h3>Loss</h3>" + svg::render_line_chart(loss, 540, 320) +
         "</div><div><h3>Accuracy</h3>" + svg::render_line_chart(accuracy, 540, 320) +
         "</div></div></section>";
  return out;
}

std::string confusion(const ReportData& r) {
  return "<section class=\"panel\" id=\"confusion\"><h2>Confusion matrix</h2><p class=\"note\">"
         "Rows are true classes, columns predicted ones, on the " +
         std::string(split_name(r.evaluation.split)) +
         " split. Shading is each cell's share of its true class, so the diagonal reads as "
         "recall.</p><div class=\"figure\">" +
         svg::render_confusion_heatmap(r.evaluation) + "</div></section>";
}

// A table row's cells up to the images: name, precision, recall, F1, AUC, support.
std::string class_cells(const std::string& name, const kcell_class_metrics& m) {
  return "<tr><td>" + escape(name) + "</td><td class=\"num\">" + metric(m.precision) +
         "</td><td class=\"num\">" + metric(m.recall) + "</td><td class=\"num\">" + metric(m.f1) +
         "</td><td class=\"num\">" + metric(m.auc) + "</td><td class=\"num\">" +
         thousands(static_cast<size_t>(m.support)) + "</td>";
}

std::string per_class(const ReportData& r) {
  const Evaluation& e = r.evaluation;
  std::string table =
      "<table><thead><tr><th>class</th><th class=\"num\">precision</th>"
      "<th class=\"num\">recall</th><th class=\"num\">F1</th>"
      "<th class=\"num\">AUC</th><th class=\"num\">images</th></tr></thead><tbody>";
  for (size_t c = 0; c < e.classes(); ++c) {
    const kcell_class_metrics& m = e.per_class[c];
    table += class_cells(e.class_names[c], m) + "</tr>";
  }
  table += "<tr class=\"total\"><td>all (macro)</td><td></td><td class=\"num\">" +
           metric(e.metrics.balanced_accuracy) + "</td><td></td><td class=\"num\">" +
           metric(e.metrics.auc) + "</td><td class=\"num\">" + thousands(e.metrics.count) +
           "</td></tr></tbody></table>";
  return "<section class=\"panel\" id=\"per-class\"><h2>Per-class results</h2><p class=\"note\">"
         "Recall is the share of each class found; its mean is the balanced accuracy (dashed "
         "line).</p><div class=\"two wide-left\"><div class=\"figure\">" +
         svg::render_recall_bars(e) + "</div><div>" + table + "</div></div></section>";
}

// A multi-label model's table: each label's numbers at threshold 0.5 (MedMNIST's ACC
// counts the same decisions).
std::string per_label(const ReportData& r) {
  const Evaluation& e = r.evaluation;
  std::string table =
      "<table id=\"per-label-table\"><thead><tr><th>label</th><th class=\"num\">precision</th>"
      "<th class=\"num\">recall</th><th class=\"num\">F1</th><th class=\"num\">AUC</th>"
      "<th class=\"num\">positives</th><th class=\"num\">predicted</th></tr></thead><tbody>";
  for (size_t c = 0; c < e.classes(); ++c) {
    const kcell_class_metrics& m = e.per_class[c];
    table += class_cells(e.class_names[c], m) + "<td class=\"num\">" +
             thousands(static_cast<size_t>(m.predicted)) + "</td></tr>";
  }
  table += "<tr class=\"total\"><td>all (mean)</td><td></td><td></td><td></td><td class=\"num\">" +
           metric(e.metrics.auc) + "</td><td></td><td></td></tr></tbody></table>";
  return "<section class=\"panel\" id=\"per-label\"><h2>Per-label results</h2><p "
         "class=\"note\">Multi-label: each image has " +
         std::to_string(e.classes()) +
         " independent labels; a label is predicted when its probability is above 0.5. "
         "Accuracy is the mean over labels of each label's accuracy, AUC the mean of the "
         "per-label AUCs (as MedMNIST's evaluator).</p>" +
         table + "</section>";
}

std::string settings(const ReportData& r) {
  std::string rows;
  for (const auto& [name, value] : r.settings)
    rows += "<tr><td><code>" + escape(name) + "</code></td><td>" + escape(value) + "</td></tr>";
  std::string about = "<tr><td>data</td><td>" + escape(r.data_path) + "</td></tr>";
  if (!r.model_path.empty())
    about += "<tr><td>model file</td><td>" + escape(r.model_path) + "</td></tr>";
  about += "<tr><td>parameters</td><td>" + thousands(r.num_params) + "</td></tr>";
  return "<section class=\"panel\" id=\"settings\"><h2>Settings</h2><p class=\"note\">" +
         std::string(r.command == "train" ? "The options of this training run, defaults "
                                            "included."
                                          : "The options of this evaluation.") +
         "</p><div class=\"two\"><div><table><thead><tr><th>option</th><th>value</th></tr>"
         "</thead><tbody>" +
         rows + "</tbody></table></div><div><table><tbody>" + about +
         "</tbody></table><h3 style=\"margin-top:14px\">Architecture</h3><pre>" +
         escape(r.architecture) + "</pre></div></div></section>";
}

// `train --seeds N`: every metric's mean ± sd over the seeds (the other panels show the
// ensemble's evaluation and the first seed's learning curves).
std::string seed_panel(const ReportData& r) {
  if (r.seeds.empty()) return "";
  std::string rows;
  for (const MetricSpread& s : r.seed_spreads)
    rows += "<tr><td><code>" + escape(s.name) + "</code></td><td class=\"num\">" +
            escape(format_spread(s)) + "</td></tr>";
  return "<section class=\"panel\" id=\"seeds\"><h2>" + std::to_string(r.seeds.size()) +
         " seeds</h2><p class=\"note\">Mean ± standard deviation over seeds " +
         std::to_string(r.seeds.front()) + " to " + std::to_string(r.seeds.back()) +
         ". The test results above are those of their ensemble (mean probability); the "
         "learning curves are the first seed's.</p><table><thead><tr><th>metric</th>"
         "<th>mean ± sd</th></tr></thead><tbody>" +
         rows + "</tbody></table></section>";
}

std::string calibration(const ReportData& r) {
  const Evaluation& e = r.evaluation;
  const kcell_metrics& m = e.metrics;
  const kcell_calibration& c = e.calibration;
  const std::string split = split_name(e.split);
  std::string out =
      "<section class=\"panel\" id=\"calibration\"><h2>Calibration and abstention</h2>"
      "<p class=\"note\">How far the probabilities can be taken at their word, on the " +
      split +
      " split. Left: each bar is the accuracy of the images whose top-label probability "
      "falls in that bin, the orange tick their mean probability; on the dashed diagonal "
      "they would agree. Right: the accuracy on the images answered when the least "
      "confident ones are set aside as uncertain.</p>";
  out += "<table class=\"calibration-numbers\"><tbody>";
  const auto row = [](const std::string& name, const std::string& value, const std::string& note) {
    return "<tr><th>" + escape(name) + "</th><td>" + escape(value) + "</td><td class=\"note\">" +
           escape(note) + "</td></tr>";
  };
  out += row("ECE", metric(m.ece, 4), "top-label, 15 equal-width bins");
  out += row("classwise ECE", metric(m.classwise_ece, 4), "mean over classes");
  out += row("NLL", metric(m.nll, 4), "negative log-likelihood");
  out += row("Brier score", metric(m.brier, 4), "squared distance to one-hot, summed over classes");
  out += row("temperature", metric(c.temperature, 3),
             c.temperature == 1.0 ? "not calibrated (kcell calibrate)" : "fitted on validation");
  out += row("AURC", metric(c.aurc, 4), "area under the risk-coverage curve (lower is better)");
  out += "</tbody></table>";
  out += "<div class=\"two\"><div><h3>Reliability diagram</h3>" +
         svg::render_reliability_diagram(c) + "</div><div><h3>Risk-coverage</h3>" +
         svg::render_risk_coverage(c) + "</div></div>";
  if (e.has_conformal()) {
    out +=
        "<h3>Prediction sets</h3><p class=\"note\">Split-conformal sets (LAC score) "
        "calibrated on validation at alpha " +
        svg::fixed(c.conformal_alpha, 3) + ": each set should hold the true class for at least " +
        svg::fixed(100 * (1 - c.conformal_alpha), 1) + "% of the images.</p>";
    out +=
        "<table class=\"conformal\" id=\"conformal\"><thead><tr><th>class</th><th>coverage"
        "</th></tr></thead><tbody>";
    out += "<tr><th>all</th><td>" + metric(c.conformal_coverage) + " (mean set size " +
           metric(c.conformal_mean_set_size, 2) + ", " + std::to_string(c.conformal_empty_sets) +
           " empty)</td></tr>";
    for (size_t k = 0; k < e.class_coverage.size(); ++k)
      out += "<tr><th>" + escape(e.class_names[k]) + "</th><td>" + metric(e.class_coverage[k]) +
             "</td></tr>";
    out += "</tbody></table>";
  }
  return out + "</section>";
}

}  // namespace

std::string render_report_html(const ReportData& r) {
  std::string page =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>kcell report — " +
      escape(file_name(r.data_path)) + "</title><style>" + std::string(kReportCss) +
      "</style></head><body>";
  page += header(r);
  page += "<main class=\"wrap\">" + cards(r);
  if (!r.history.epochs.empty()) page += learning_curves(r);
  if (r.evaluation.multi_label)  // no single class per image: no confusion or calibration
    page += seed_panel(r) + per_label(r) + settings(r);
  else
    page += seed_panel(r) + confusion(r) + per_class(r) + calibration(r) +
            render_gallery(r.gallery, r.evaluation.class_names) + settings(r);
  page += "</main><footer class=\"wrap\">Generated by kcell " + escape(kcell::version()) +
          ". This page loads nothing from the network.</footer></body></html>\n";
  return page;
}

}  // namespace kcell_cli
