#include "model/model_file_metadata.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>

#include "common/error.hpp"
#include "io/json_reader.hpp"

namespace kcell::model {
namespace {

using nlohmann::json;
using Ordered = nlohmann::ordered_json;  // written in the order listed, format first

Ordered parameter_value(const std::variant<double, std::string>& value) {
  if (const std::string* text = std::get_if<std::string>(&value)) return *text;
  const double number = std::get<double>(value);
  // Whole numbers (batch size, seed, epochs) read better without a ".0".
  if (std::isfinite(number) && number == std::floor(number) && std::fabs(number) < 9.0e15)
    return static_cast<int64_t>(number);
  return io::json_finite_or_null(number);
}

}  // namespace

ModelMetadata metadata_of(Model& model, const std::string& kcell_version) {
  ModelMetadata m;
  m.kcell_version = kcell_version;
  m.architecture = model.architecture().text;
  m.channels = model.channels();
  m.height = model.height();
  m.width = model.width();
  m.num_classes = model.num_classes();
  m.seed = model.seed();
  m.class_names = model.class_names();
  m.normalization = model.normalization();
  m.decision_bias = model.decision_bias();
  m.decision_rule = model.decision_rule();
  m.tta = model.tta();
  m.temperature = model.temperature();
  m.conformal = model.conformal();
  m.task = model.task();
  m.format_version = m.task == data::TaskKind::multi_label  ? 3
                     : m.temperature == 1.0 && !m.conformal ? 1
                                                            : 2;
  m.training = model.training_summary();
  for (const nn::Param* p : model.network().params()) m.parameters.push_back(p->name);
  for (const nn::Buffer* b : model.network().buffers()) m.buffers.push_back(b->name);
  return m;
}

std::string metadata_to_json(const ModelMetadata& m) {
  Ordered training = Ordered::object();
  training["epochs_trained"] = m.training.epochs_trained;
  training["best_epoch"] =
      m.training.best_epoch >= 0 ? Ordered(m.training.best_epoch) : Ordered(nullptr);
  training["val_loss"] = io::json_finite_or_null(m.training.val_loss);
  training["val_accuracy"] = io::json_finite_or_null(m.training.val_accuracy);
  training["parameters"] = Ordered::object();
  for (const auto& [name, value] : m.training.parameters)
    training["parameters"][name] = parameter_value(value);

  Ordered normalization = nullptr;
  if (!m.normalization.empty()) {
    normalization = Ordered::object();
    normalization["mean"] = m.normalization.mean;
    normalization["std"] = m.normalization.std;
  }

  Ordered doc = Ordered::object();
  doc["format"] = "kcell-model";
  doc["format_version"] = m.format_version;
  doc["kcell_version"] = m.kcell_version;
  doc["architecture"] = m.architecture;
  doc["input"] = Ordered::object();
  doc["input"]["channels"] = m.channels;
  doc["input"]["height"] = m.height;
  doc["input"]["width"] = m.width;
  doc["num_classes"] = m.num_classes;
  if (m.format_version >= 3) doc["task"] = data::task_name(m.task);
  doc["class_names"] = m.class_names;
  doc["normalization"] = normalization;
  if (!m.decision_bias.empty()) {
    doc["decision_bias"] = m.decision_bias;
    doc["decision_rule"] = decision_rule_name(m.decision_rule);
  }
  doc["tta"] = tta_name(m.tta);
  if (m.format_version >= 2) {
    doc["temperature"] = m.temperature;
    if (m.conformal) {
      Ordered conformal = Ordered::object();
      conformal["score"] = "lac";
      conformal["alpha"] = m.conformal->alpha;
      conformal["quantile"] = io::json_exact_number(m.conformal->quantile);  // may be inf
      conformal["calibration_count"] = m.conformal->calibration_count;
      doc["conformal"] = conformal;
    }
  }
  doc["seed"] = m.seed;
  doc["tensors"] = Ordered::object();
  doc["tensors"]["parameters"] = m.parameters;
  doc["tensors"]["buffers"] = m.buffers;
  doc["training"] = training;
  return doc.dump(2) + "\n";
}

static ModelMetadata read_metadata(const std::string& text, const std::string& where) {
  const json doc = io::parse_json_object(text, where);
  const io::JsonReader r(where);

  ModelMetadata m;
  // The version decides how to read the rest, so it is checked before anything else.
  const json& version = r.member(doc, "format_version", "format_version");
  if (!version.is_number_integer())
    r.error("format_version", "must be an integer, got " + version.dump());
  if (version < kOldestModelFormatVersion || version > kModelFormatVersion)
    fail(Status::format, where + ": model file format version " + version.dump() +
                             " is not supported; this kcell reads versions " +
                             std::to_string(kOldestModelFormatVersion) + " to " +
                             std::to_string(kModelFormatVersion) +
                             " (was the file written by a newer kcell?)");
  m.format_version = version.get<int>();
  if (r.text(r.member(doc, "format", "format"), "format") != "kcell-model")
    r.error("format", "must be \"kcell-model\"");

  m.kcell_version = r.text(r.member(doc, "kcell_version", "kcell_version"), "kcell_version");
  m.architecture = r.text(r.member(doc, "architecture", "architecture"), "architecture");
  const json& input = r.object(doc, "input", "input");
  m.channels = static_cast<int>(r.integer(input, "channels", "input.channels", 1, 3));
  m.height = static_cast<int>(r.integer(input, "height", "input.height", 1, 4096));
  m.width = static_cast<int>(r.integer(input, "width", "input.width", 1, 4096));
  m.num_classes = static_cast<int>(r.integer(doc, "num_classes", "num_classes", 2, 65536));

  // Version 3: the task; older files are multi-class.
  if (m.format_version >= 3) {
    const std::string task = r.text(r.member(doc, "task", "task"), "task");
    if (task == data::task_name(data::TaskKind::multi_label))
      m.task = data::TaskKind::multi_label;
    else if (task != data::task_name(data::TaskKind::multi_class))
      r.error("task", "must be \"multi-class\" or \"multi-label\"");
  }

  m.seed = r.unsigned_integer(r.member(doc, "seed"), "seed");

  m.class_names = r.strings(r.member(doc, "class_names", "class_names"), "class_names");

  const json& normalization = r.member(doc, "normalization", "normalization");
  if (!normalization.is_null()) {
    if (!normalization.is_object())
      r.error("normalization",
              "must be an object or null, got " + std::string(normalization.type_name()));
    m.normalization.mean =
        r.floats(r.member(normalization, "mean", "normalization.mean"), "normalization.mean");
    m.normalization.std =
        r.floats(r.member(normalization, "std", "normalization.std"), "normalization.std");
  }

  // Optional: files written before the decision rule existed have none.
  if (const auto bias = doc.find("decision_bias"); bias != doc.end() && !bias->is_null())
    m.decision_bias = r.floats(*bias, "decision_bias");
  if (!m.decision_bias.empty()) {
    m.decision_rule = DecisionRule::validation_priors;
    if (const auto rule = doc.find("decision_rule"); rule != doc.end()) {
      const std::string name = r.text(*rule, "decision_rule");
      if (!decision_rule_from_name(name, &m.decision_rule) ||
          m.decision_rule == DecisionRule::argmax)
        fail(Status::format, where + ": decision_rule \"" + name +
                                 "\" is not validation_priors, balanced or given");
    }
  }

  // Optional: files written before test-time augmentation existed predict without it.
  if (const auto tta = doc.find("tta"); tta != doc.end()) {
    const std::string name = r.text(*tta, "tta");
    if (!tta_from_name(name, &m.tta))
      fail(Status::format, where + ": tta \"" + name + "\" is not none, flips, flips4 or dihedral");
  }

  // Version 2: probability calibration. Version 1 files have neither (temperature 1).
  if (m.format_version >= 2) {
    m.temperature = r.number(r.member(doc, "temperature", "temperature"), "temperature");
    if (!(m.temperature >= kMinTemperature && m.temperature <= kMaxTemperature))
      r.error("temperature", "must lie in [0.01, 100]");
    if (const auto c = doc.find("conformal"); c != doc.end() && !c->is_null()) {
      if (!c->is_object()) r.error("conformal", "must be an object or null");
      if (r.text(r.member(*c, "score", "conformal.score"), "conformal.score") != "lac")
        r.error("conformal.score", "must be \"lac\"");
      Conformal cf;
      cf.alpha = r.number(r.member(*c, "alpha", "conformal.alpha"), "conformal.alpha");
      if (!(cf.alpha > 0.0 && cf.alpha < 1.0)) r.error("conformal.alpha", "must lie in (0, 1)");
      cf.quantile = r.number(r.member(*c, "quantile", "conformal.quantile"), "conformal.quantile");
      if (std::isnan(cf.quantile)) r.error("conformal.quantile", "must be a number or \"inf\"");
      cf.calibration_count = r.integer(*c, "calibration_count", "conformal.calibration_count", 1,
                                       std::numeric_limits<int64_t>::max());
      m.conformal = cf;
    }
  }

  const json& tensors = r.object(doc, "tensors", "tensors");
  m.parameters =
      r.strings(r.member(tensors, "parameters", "tensors.parameters"), "tensors.parameters");
  m.buffers = r.strings(r.member(tensors, "buffers", "tensors.buffers"), "tensors.buffers");

  const json& training = r.object(doc, "training", "training");
  m.training.epochs_trained = static_cast<int>(r.integer(
      training, "epochs_trained", "training.epochs_trained", 0, std::numeric_limits<int>::max()));
  const json& best = r.member(training, "best_epoch", "training.best_epoch");
  m.training.best_epoch = best.is_null()
                              ? -1
                              : static_cast<int>(r.integer(best, "training.best_epoch", 0,
                                                           std::numeric_limits<int>::max()));
  m.training.val_loss =
      r.number(r.member(training, "val_loss", "training.val_loss"), "training.val_loss");
  m.training.val_accuracy = r.number(r.member(training, "val_accuracy", "training.val_accuracy"),
                                     "training.val_accuracy");
  const json& parameters = r.object(training, "parameters", "training.parameters");
  for (const auto& [name, value] : parameters.items()) {
    const std::string path = "training.parameters." + name;
    if (value.is_string())
      m.training.parameters[name] = value.get<std::string>();
    else
      m.training.parameters[name] = r.number(value, path);
  }
  return m;
}

ModelMetadata metadata_from_json(const std::string& text, const std::string& where) {
  try {
    return read_metadata(text, where);
  } catch (const nlohmann::json::exception& e) {  // a case the checks above missed
    fail(Status::format, where + ": unexpected content (" + e.what() + ")");
  }
}

}  // namespace kcell::model
