// `kcell explain`: saliency maps of the images in PNG files and image stacks, written as
// one picture per image (the image beside it with its map laid over it).
#include <CLI/CLI.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "class_names.hpp"
#include "commands.hpp"
#include "common.hpp"
#include "png_image.hpp"
#include "predict_inputs.hpp"
#include "saliency_overlay.hpp"
#include "text_file.hpp"

namespace kcell_cli {
namespace {

struct ExplainCommand {
  std::string model;
  std::vector<std::string> inputs;
  std::string out;
  std::string method = "gradcam";
  int target_class = -1;
  int layer = -1;
  std::string json;
  int threads = 0;
};

// "folder/name.png" -> "name"
std::string stem(const std::string& path) {
  std::string name = path.substr(path.find_last_of('/') + 1);
  const size_t dot = name.find_last_of('.');
  if (dot != std::string::npos && dot > 0) name.resize(dot);
  return name;
}

constexpr size_t kBatch = 64;

void run_explain(const ExplainCommand& c) {
  in_context("--threads", [&] { kcell::set_num_threads(c.threads); });
  make_directory(c.out);
  std::vector<std::string> inputs = c.inputs;
  inputs.push_back(c.model);
  check_output(c.json, inputs);
  kcell::Model model = kcell::Model::load(c.model);
  const kcell_model_info info = in_context(c.model, [&] { return model.info(); });
  if (c.target_class >= info.num_classes)
    throw Failure("--class " + std::to_string(c.target_class) + ": the model has " +
                  std::to_string(info.num_classes) + " classes (0 to " +
                  std::to_string(info.num_classes - 1) + ")");
  const ModelInput input{info.channels, info.height, info.width};
  const std::vector<std::string> names = model_class_names(model);
  const std::vector<PredictSource> sources = open_predict_inputs(c.inputs, input);

  // Output names, checked before any work: <stem>.png for a PNG, <stem>_<i>.png for image
  // i of a stack; two inputs with one stem would overwrite each other.
  std::set<std::string> stems;
  for (const PredictSource& source : sources)
    if (!stems.insert(stem(source.file)).second)
      throw Failure(source.file +
                    ": another input has the same name; the pictures would "
                    "overwrite each other (explain them in separate runs)");
  for (const std::string& s : stems) check_output(c.out + "/" + s + ".png", inputs);

  kcell_explain_options options = kcell::default_explain_options();
  options.method = c.method == "gradcam" ? KCELL_SALIENCY_GRADCAM : KCELL_SALIENCY_INPUT_GRADIENT;
  options.layer = c.layer;
  const bool lines = c.json != "-";
  const size_t plane = static_cast<size_t>(info.height) * static_cast<size_t>(info.width);
  nlohmann::json results = nlohmann::json::array();
  std::vector<uint8_t> batch(kBatch * input.image_bytes());
  for (const PredictSource& source : sources) {
    for (size_t first = 0; first < source.count; first += kBatch) {
      const size_t n = std::min(kBatch, source.count - first);
      for (size_t i = 0; i < n; ++i)
        copy_model_image(source, first + i, input, &batch[i * input.image_bytes()]);
      const kcell::Explanation e = in_context(
          source.file, [&] { return model.explain(batch.data(), n, c.target_class, options); });
      for (size_t i = 0; i < n; ++i) {
        const std::string file = c.out + "/" + stem(source.file) +
                                 (source.is_png ? std::string() : "_" + std::to_string(first + i)) +
                                 ".png";
        const Image8 picture = saliency_overlay(&batch[i * input.image_bytes()], info.channels,
                                                info.height, info.width, &e.maps[i * plane]);
        const std::vector<uint8_t> png = encode_png(picture);
        in_context(file, [&] { kcell::write_file(file, png.data(), png.size()); });
        const size_t cls = static_cast<size_t>(e.classes[i]);
        if (lines)
          std::printf("%s\t%zu\t%s\t%s\n", source.label(first + i).c_str(), cls, names[cls].c_str(),
                      file.c_str());
        if (!c.json.empty())
          results.push_back({{"input", {{"file", source.file}, {"index", first + i}}},
                             {"class", cls},
                             {"name", names[cls]},
                             {"picture", file}});
      }
    }
  }
  if (!c.json.empty()) write_text_file(c.json, results.dump(2) + "\n");
}

}  // namespace

void add_explain_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "explain", "Saliency maps: where in each image the model found the evidence for a class");
  cmd->footer(
      "\nWrites one PNG per image into --out: the image, and beside it the image with its\n"
      "saliency map laid over it (blue to red: weak to strong evidence, scaled to the map's\n"
      "own maximum). A PNG input gives <name>.png, image i of a stack <name>_<i>.png.\n"
      "Prints one line per image: the input, the class explained, its name and the picture.\n"
      "Inputs are those of kcell predict (PNG files of the model's size, .npy stacks, the\n"
      "test split of a .npz). gradcam is Grad-CAM at the last convolutional block;\n"
      "gradient the largest absolute gradient of the class logit over the channels of each\n"
      "pixel (docs/calibration.md).");
  auto c = std::make_shared<ExplainCommand>();
  cmd->add_option("--model", c->model, "A model file from kcell train --out")->required();
  cmd->add_option("INPUT", c->inputs, "PNG files and .npy stacks")->required();
  cmd->add_option("--out", c->out, "Folder for the pictures (created if needed)")->required();
  cmd->add_option("--method", c->method, "gradcam or gradient")
      ->check(CLI::IsMember({"gradcam", "gradient"}))
      ->capture_default_str();
  cmd->add_option("--class", c->target_class,
                  "The class to explain; -1 for each image's predicted class")
      ->check(CLI::Range(-1, 65535))
      ->capture_default_str();
  cmd->add_option("--layer", c->layer,
                  "Grad-CAM's layer (index into the architecture); -1 for the last "
                  "convolutional block")
      ->check(CLI::Range(-1, 100000))
      ->capture_default_str();
  cmd->add_option("--json", c->json,
                  "Also write a JSON array to this file (- for stdout, then no lines): per "
                  "image input (file, index), class, name and picture");
  cmd->add_option("--threads", c->threads, "Compute threads (0: all cores)")
      ->check(CLI::Range(0, 4096))
      ->capture_default_str();
  cmd->callback([c] { run_explain(*c); });
}

}  // namespace kcell_cli
