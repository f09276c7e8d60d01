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
      "probability, separated by tabs. Inputs are PNG files (grey or RGB, 8 or 16 bits,\n"
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
                  "image input (file, index), class, name and probabilities (all classes)");
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
