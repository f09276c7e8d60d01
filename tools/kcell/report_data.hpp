// Everything a run report shows: where the data and model came from, the settings, the
// training history and the evaluation of the held-out split.
#pragma once

#include <kcell/kcell.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "evaluation.hpp"
#include "history.hpp"
#include "metric_spread.hpp"
#include "report_gallery.hpp"

namespace kcell_cli {

struct ReportData {
  std::string command;  // "train" or "eval"
  std::string data_path;
  std::string model_path;    // the model file saved or loaded; may be empty
  std::string model_name;    // what --model named (a preset or spec), for the title
  std::string architecture;  // canonical spec text
  size_t num_params = 0;
  int channels = 0, height = 0, width = 0;
  std::vector<std::pair<std::string, std::string>> settings;
  RunHistory history;   // empty for eval
  std::string monitor;  // metric that picked the best epoch; "" for none
  double train_seconds = 0;
  Evaluation evaluation;                   // of the test split (or val when there is no test split)
  std::vector<uint64_t> seeds;             // `train --seeds N`: the N seeds, else empty
  std::vector<MetricSpread> seed_spreads;  // and every metric's mean ± sd over them
  std::string created;                     // UTC time, ISO 8601
  Gallery gallery;                         // images with their saliency maps
};

// Fills the model fields (architecture, parameters, input shape) and the creation time.
void describe_model_for_report(const kcell::Model& model, ReportData& report);

}  // namespace kcell_cli
