#include "model/model_file_metadata.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>

#include "common/error.hpp"

namespace kcell::model {
namespace {

using nlohmann::json;
using Ordered = nlohmann::ordered_json;  // written in the order listed, format first

Ordered number_or_null(double value) {
  return std::isfinite(value) ? Ordered(value) : Ordered(nullptr);
}

Ordered parameter_value(const std::variant<double, std::string>& value) {
  if (const std::string* text = std::get_if<std::string>(&value)) return *text;
  const double number = std::get<double>(value);
  // Whole numbers (batch size, seed, epochs) read better without a ".0".
  if (std::isfinite(number) && number == std::floor(number) && std::fabs(number) < 9.0e15)
    return static_cast<int64_t>(number);
  return number_or_null(number);
}

// Reads typed values out of a JSON object, failing with "<where>: '<path>' ..." messages.
class Reader {
 public:
  explicit Reader(std::string where) : where_(std::move(where)) {}

  [[noreturn]] void error(const std::string& path, const std::string& problem) const {
    fail(Status::format, where_ + ": '" + path + "' " + problem);
  }

  const json& member(const json& object, const std::string& key, const std::string& path) const {
    auto it = object.find(key);
    if (it == object.end()) error(path, "is missing");
    return *it;
  }

  const json& object(const json& parent, const std::string& key, const std::string& path) const {
    const json& value = member(parent, key, path);
    if (!value.is_object()) error(path, "must be an object, got " + std::string(value.type_name()));
    return value;
  }

  int64_t integer(const json& value, const std::string& path, int64_t low, int64_t high) const {
    if (!value.is_number_integer()) error(path, "must be an integer, got " + describe(value));
    if (value.is_number_unsigned() && value.get<uint64_t>() > static_cast<uint64_t>(high))
      error(path, "is " + value.dump() + ", outside [" + std::to_string(low) + ", " +
                      std::to_string(high) + "]");
    const int64_t v = value.get<int64_t>();
    if (v < low || v > high)
      error(path, "is " + std::to_string(v) + ", outside [" + std::to_string(low) + ", " +
                      std::to_string(high) + "]");
    return v;
  }

  int64_t integer(const json& parent, const std::string& key, const std::string& path,
                  int64_t low, int64_t high) const {
    return integer(member(parent, key, path), path, low, high);
  }

  std::string text(const json& value, const std::string& path) const {
    if (!value.is_string()) error(path, "must be a string, got " + describe(value));
    return value.get<std::string>();
  }

  // A finite number, or NaN for null.
  double number_or_nan(const json& value, const std::string& path) const {
    if (value.is_null()) return std::numeric_limits<double>::quiet_NaN();
    if (!value.is_number()) error(path, "must be a number or null, got " + describe(value));
    return value.get<double>();
  }

  std::vector<std::string> strings(const json& value, const std::string& path) const {
    if (!value.is_array()) error(path, "must be an array of strings, got " + describe(value));
    std::vector<std::string> out;
    for (size_t i = 0; i < value.size(); ++i)
      out.push_back(text(value[i], path + "[" + std::to_string(i) + "]"));
    return out;
  }

  std::vector<float> floats(const json& value, const std::string& path) const {
    if (!value.is_array()) error(path, "must be an array of numbers, got " + describe(value));
    std::vector<float> out;
    for (size_t i = 0; i < value.size(); ++i) {
      const double v = value[i].is_number() ? value[i].get<double>() : 0.0;
      // Converting a double outside float's range is undefined, so check before casting.
      if (!value[i].is_number() || !std::isfinite(v) ||
          std::fabs(v) > static_cast<double>(std::numeric_limits<float>::max()))
        error(path + "[" + std::to_string(i) + "]",
              "must be a finite 32-bit float, got " + describe(value[i]));
      out.push_back(static_cast<float>(v));
    }
    return out;
  }

 private:
  static std::string describe(const json& value) {
    return value.is_string() || value.is_array() || value.is_object()
               ? std::string(value.type_name())
               : value.dump();
  }
  std::string where_;
};

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
  training["val_loss"] = number_or_null(m.training.val_loss);
  training["val_accuracy"] = number_or_null(m.training.val_accuracy);
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
  doc["class_names"] = m.class_names;
  doc["normalization"] = normalization;
  if (!m.decision_bias.empty()) doc["decision_bias"] = m.decision_bias;
  doc["seed"] = m.seed;
  doc["tensors"] = Ordered::object();
  doc["tensors"]["parameters"] = m.parameters;
  doc["tensors"]["buffers"] = m.buffers;
  doc["training"] = training;
  return doc.dump(2) + "\n";
}

static ModelMetadata read_metadata(const std::string& text, const std::string& where) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    fail(Status::format, where + ": not valid JSON (" + e.what() + ")");
  }
  const Reader r(where);
  if (!doc.is_object()) fail(Status::format, where + ": the metadata must be a JSON object");

  ModelMetadata m;
  // The version decides how to read the rest, so it is checked before anything else.
  const json& version = r.member(doc, "format_version", "format_version");
  if (!version.is_number_integer())
    r.error("format_version", "must be an integer, got " + version.dump());
  if (version != kModelFormatVersion)
    fail(Status::format, where + ": model file format version " + version.dump() +
                             " is not supported; this kcell reads version " +
                             std::to_string(kModelFormatVersion) +
                             " (was the file written by a newer kcell?)");
  m.format_version = kModelFormatVersion;
  if (r.text(r.member(doc, "format", "format"), "format") != "kcell-model")
    r.error("format", "must be \"kcell-model\"");

  m.kcell_version = r.text(r.member(doc, "kcell_version", "kcell_version"), "kcell_version");
  m.architecture = r.text(r.member(doc, "architecture", "architecture"), "architecture");
  const json& input = r.object(doc, "input", "input");
  m.channels = static_cast<int>(r.integer(input, "channels", "input.channels", 1, 3));
  m.height = static_cast<int>(r.integer(input, "height", "input.height", 1, 4096));
  m.width = static_cast<int>(r.integer(input, "width", "input.width", 1, 4096));
  m.num_classes = static_cast<int>(r.integer(doc, "num_classes", "num_classes", 2, 65536));

  const json& seed = r.member(doc, "seed", "seed");
  if (!seed.is_number_unsigned() && !(seed.is_number_integer() && seed.get<int64_t>() >= 0))
    r.error("seed", "must be an integer in [0, 2^64), got " + seed.dump());
  m.seed = seed.get<uint64_t>();

  m.class_names = r.strings(r.member(doc, "class_names", "class_names"), "class_names");

  const json& normalization = r.member(doc, "normalization", "normalization");
  if (!normalization.is_null()) {
    if (!normalization.is_object())
      r.error("normalization", "must be an object or null, got " +
                                   std::string(normalization.type_name()));
    m.normalization.mean =
        r.floats(r.member(normalization, "mean", "normalization.mean"), "normalization.mean");
    m.normalization.std =
        r.floats(r.member(normalization, "std", "normalization.std"), "normalization.std");
  }

  // Optional: files written before the decision rule existed have none.
  if (const auto bias = doc.find("decision_bias"); bias != doc.end() && !bias->is_null())
    m.decision_bias = r.floats(*bias, "decision_bias");

  const json& tensors = r.object(doc, "tensors", "tensors");
  m.parameters = r.strings(r.member(tensors, "parameters", "tensors.parameters"),
                           "tensors.parameters");
  m.buffers = r.strings(r.member(tensors, "buffers", "tensors.buffers"), "tensors.buffers");

  const json& training = r.object(doc, "training", "training");
  m.training.epochs_trained = static_cast<int>(r.integer(
      training, "epochs_trained", "training.epochs_trained", 0, std::numeric_limits<int>::max()));
  const json& best = r.member(training, "best_epoch", "training.best_epoch");
  m.training.best_epoch =
      best.is_null() ? -1
                     : static_cast<int>(r.integer(best, "training.best_epoch", 0,
                                                  std::numeric_limits<int>::max()));
  m.training.val_loss =
      r.number_or_nan(r.member(training, "val_loss", "training.val_loss"), "training.val_loss");
  m.training.val_accuracy = r.number_or_nan(
      r.member(training, "val_accuracy", "training.val_accuracy"), "training.val_accuracy");
  const json& parameters = r.object(training, "parameters", "training.parameters");
  for (const auto& [name, value] : parameters.items()) {
    const std::string path = "training.parameters." + name;
    if (value.is_string())
      m.training.parameters[name] = value.get<std::string>();
    else
      m.training.parameters[name] = r.number_or_nan(value, path);
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
