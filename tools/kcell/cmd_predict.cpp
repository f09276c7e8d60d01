// `kcell predict`: the class of each image in PNG files and image stacks, as lines or JSON.
#include <CLI/CLI.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "class_names.hpp"
#include "commands.hpp"
#include "common.hpp"
#include "inference_precision.hpp"
#include "predict_inputs.hpp"
#include "text_file.hpp"
#include "tta_option.hpp"

namespace kcell_cli {
namespace {

struct PredictCommand {
  std::string model;
  std::vector<std::string> inputs;
  std::string json;
  InferencePrecisionOptions precision;
  std::string tta = "auto";
  int threads = 0;
  bool sets = false;            // print the conformal prediction set of each image
  double min_confidence = 0.0;  // below it, the answer is "uncertain"
};

// "{0,2}" for a row of set flags: class indices (names may hold commas); "{}" when empty.
std::string set_text(const uint8_t* flags, size_t k) {
  std::string out;
  for (size_t c = 0; c < k; ++c)
    if (flags[c]) out += (out.empty() ? "" : ",") + std::to_string(c);
  return "{" + out + "}";
}

constexpr size_t kBatch = 256;

// A multi-label model's answer for one image: the labels whose probability is above 0.5
// (MedMNIST's threshold), as "{0,3}" then every probability; JSON "labels", "names" and
// "probabilities".
void print_labels(const std::string& input, const float* p, size_t k,
                  const std::vector<std::string>& names, bool lines, const std::string& file,
                  size_t index, nlohmann::json* results) {
  std::vector<uint8_t> over(k);
  std::vector<size_t> labels;
  std::vector<std::string> label_names;
  for (size_t j = 0; j < k; ++j)
    if (p[j] > 0.5f) {
      over[j] = 1;
      labels.push_back(j);
      label_names.push_back(names[j]);
    }
  if (lines) {
    std::printf("%s\t%s\t", input.c_str(), set_text(over.data(), k).c_str());
    for (size_t j = 0; j < k; ++j) std::printf("%s%.4f", j ? "," : "", p[j]);
    std::printf("\n");
  }
  if (results)
    results->push_back({{"input", {{"file", file}, {"index", index}}},
                        {"labels", labels},
                        {"names", label_names},
                        {"probabilities", std::vector<float>(p, p + k)}});
}

void run_predict(const PredictCommand& c) {
  check_inference_precision(c.precision, false);  // int8 needs --calibrate: no labelled data here
  in_context("--threads", [&] { kcell::set_num_threads(c.threads); });
  std::vector<std::string> inputs = c.inputs;
  inputs.push_back(c.model);
  check_output(c.json, inputs);
  kcell::Model model = kcell::Model::load(c.model);
  const kcell_model_info info = in_context(c.model, [&] { return model.info(); });
  const ModelInput input{info.channels, info.height, info.width};
  const std::vector<std::string> names = model_class_names(model);
  const size_t k = names.size();
  const bool multi_label = info.task == KCELL_TASK_MULTI_LABEL;
  if (multi_label && (c.sets || c.min_confidence > 0))
    throw Failure(std::string(c.sets ? "--sets" : "--min-confidence") +
                  ": the model is multi-label (independent labels, no single class to answer "
                  "or set of classes); it prints the labels over 0.5 and every probability");

  // Every input is opened and checked before the first prediction is printed.
  const std::vector<PredictSource> sources = open_predict_inputs(c.inputs, input);
  apply_inference_precision(model, c.precision, nullptr, "");
  apply_tta_option(model, c.tta);
  if (c.sets && in_context(c.model, [&] { return model.conformal().first; }) == 0.0)
    throw Failure(c.model +
                  ": has no conformal calibration for --sets (kcell calibrate --alpha A)");
  const bool lines = c.json != "-";
  nlohmann::json results = nlohmann::json::array();
  std::vector<uint8_t> batch(kBatch * input.image_bytes());
  std::vector<float> probabilities;  // n × k after each batch
  for (const PredictSource& source : sources) {
    for (size_t first = 0; first < source.count; first += kBatch) {
      const size_t n = std::min(kBatch, source.count - first);
      for (size_t i = 0; i < n; ++i)
        copy_model_image(source, first + i, input, &batch[i * input.image_bytes()]);
      in_context(source.file, [&] { probabilities = model.predict(batch.data(), n); });
      std::vector<uint8_t> in_set;
      if (c.sets)
        in_set = in_context(c.model, [&] { return model.prediction_sets(probabilities); });
      for (size_t i = 0; i < n; ++i) {
        const float* p = &probabilities[i * k];
        if (multi_label) {
          print_labels(source.label(first + i), p, k, names, lines, source.file, first + i,
                       c.json.empty() ? nullptr : &results);
          continue;
        }
        const size_t best = static_cast<size_t>(std::max_element(p, p + k) - p);
        // Abstention: a top probability under --min-confidence is no answer.
        const bool uncertain = p[best] < c.min_confidence;
        if (lines) {
          if (uncertain)
            std::printf("%s\t-\tuncertain\t%.4f", source.label(first + i).c_str(), p[best]);
          else
            std::printf("%s\t%zu\t%s\t%.4f", source.label(first + i).c_str(), best,
                        names[best].c_str(), p[best]);
          if (c.sets) std::printf("\t%s", set_text(&in_set[i * k], k).c_str());
          std::printf("\n");
        }
        if (!c.json.empty()) {
          nlohmann::json r = {{"input", {{"file", source.file}, {"index", first + i}}},
                              {"class", best},
                              {"name", names[best]},
                              {"probabilities", std::vector<float>(p, p + k)}};
          if (c.min_confidence > 0) {
            r["uncertain"] = uncertain;
            if (uncertain) {
              r["class"] = nullptr;
              r["name"] = "uncertain";
              r["top_class"] = best;
            }
          }
          if (c.sets) {
            std::vector<size_t> members;
            for (size_t j = 0; j < k; ++j)
              if (in_set[i * k + j]) members.push_back(j);
            r["set"] = members;
          }
          results.push_back(r);
        }
      }
    }
  }
  if (!c.json.empty()) write_text_file(c.json, results.dump(2) + "\n");
}

}  // namespace

void add_predict_command(CLI::App& app) {
  auto* cmd =
      app.add_subcommand("predict", "Predict the class of images in PNG files and .npy stacks");
  cmd->footer(
      "\nPrints one line per image: the input, the class index, its name and its\n"
      "probability, separated by tabs (a multi-label model: the input, the labels whose\n"
      "probability is above 0.5 as {i,j}, and every label's probability, comma-separated).\n"
      "Inputs are PNG files (grey or RGB, 8 or 16 bits,\n"
      "transparency composited onto black) of the model's size, or image stacks: a .npy of\n"
      "shape (N,H,W) or (N,H,W,C) (a single image is (1,H,W)), or the test split of a .npz.\n"
      "RGB images given to a grey model become grey by the ITU-R BT.601 luma\n"
      "(0.299 R + 0.587 G + 0.114 B, rounded as Pillow does); grey images given to an RGB\n"
      "model are copied into all three channels. Images of another size are an error:\n"
      "kcell does not resample.\n"
      "--min-confidence P abstains below P; --sets adds the conformal prediction set\n"
      "(docs/calibration.md).\n"
      "--precision bf16 or int8 trades some accuracy for speed; int8 first calibrates on\n"
      "the validation split of --calibrate DATA. docs/performance.md has the costs.");
  auto c = std::make_shared<PredictCommand>();
  cmd->add_option("--model", c->model, "A model file from kcell train --out")->required();
  cmd->add_option("INPUT", c->inputs, "PNG files and .npy stacks")->required();
  cmd->add_option("--json", c->json,
                  "Also write a JSON array to this file (- for stdout, then no lines): per "
                  "image input (file, index), class, name and probabilities (all classes); "
                  "multi-label: labels and names (those over 0.5) and probabilities");
  add_inference_precision_options(*cmd, c->precision, "required with int8");
  add_tta_option(*cmd, c->tta, "the model's, which training chose");
  cmd->add_flag("--sets", c->sets,
                "Add each image's conformal prediction set as class indices, e.g. {0,2} ({} "
                "when empty; JSON \"set\"); needs kcell calibrate --alpha");
  cmd->add_option("--min-confidence", c->min_confidence,
                  "Answer \"uncertain\" (class -) when the top probability is below this "
                  "(JSON \"uncertain\": true, \"class\": null, \"top_class\")")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--threads", c->threads, "Compute threads (0: all cores)")
      ->check(CLI::Range(0, 4096))
      ->capture_default_str();
  cmd->callback([c] { run_predict(*c); });
}

}  // namespace kcell_cli
