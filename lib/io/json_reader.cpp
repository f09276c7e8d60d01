#include "io/json_reader.hpp"

#include <cmath>
#include <limits>

#include "common/error.hpp"

namespace kcell::io {
namespace {

using json = nlohmann::json;

std::string describe(const json& value) {
  return value.is_string() || value.is_array() || value.is_object() ? std::string(value.type_name())
                                                                    : value.dump();
}

std::string range_text(int64_t low, int64_t high) {
  return "[" + std::to_string(low) + ", " + std::to_string(high) + "]";
}

}  // namespace

void JsonReader::error(const std::string& path, const std::string& problem) const {
  fail(Status::format, where_ + ": '" + path + "' " + problem);
}

const json& JsonReader::member(const json& object, const std::string& key,
                               const std::string& path) const {
  if (!object.is_object()) error(path, "belongs to something that is not an object");
  auto it = object.find(key);
  if (it == object.end()) error(path, "is missing");
  return *it;
}

const json& JsonReader::object(const json& parent, const std::string& key,
                               const std::string& path) const {
  const json& value = member(parent, key, path);
  if (!value.is_object()) error(path, "must be an object, got " + std::string(value.type_name()));
  return value;
}

int64_t JsonReader::integer(const json& value, const std::string& path, int64_t low,
                            int64_t high) const {
  if (!value.is_number_integer()) error(path, "must be an integer, got " + describe(value));
  if (value.is_number_unsigned() && value.get<uint64_t>() > static_cast<uint64_t>(high))
    error(path, "is " + value.dump() + ", outside " + range_text(low, high));
  const int64_t v = value.get<int64_t>();
  if (v < low || v > high)
    error(path, "is " + std::to_string(v) + ", outside " + range_text(low, high));
  return v;
}

uint64_t JsonReader::unsigned_integer(const json& value, const std::string& path) const {
  if (!value.is_number_unsigned() && !(value.is_number_integer() && value.get<int64_t>() >= 0))
    error(path, "must be an integer in [0, 2^64), got " + describe(value));
  return value.get<uint64_t>();
}

std::string JsonReader::text(const json& value, const std::string& path) const {
  if (!value.is_string()) error(path, "must be a string, got " + describe(value));
  return value.get<std::string>();
}

bool JsonReader::boolean(const json& value, const std::string& path) const {
  if (!value.is_boolean()) error(path, "must be true or false, got " + describe(value));
  return value.get<bool>();
}

double JsonReader::number(const json& value, const std::string& path) const {
  if (value.is_number()) return value.get<double>();
  if (value.is_null()) return std::numeric_limits<double>::quiet_NaN();
  if (value.is_string()) {
    const std::string& s = value.get_ref<const std::string&>();
    if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
    if (s == "inf") return std::numeric_limits<double>::infinity();
    if (s == "-inf") return -std::numeric_limits<double>::infinity();
  }
  error(path, "must be a number, null, \"nan\", \"inf\" or \"-inf\", got " + describe(value));
}

std::vector<std::string> JsonReader::strings(const json& value, const std::string& path) const {
  if (!value.is_array()) error(path, "must be an array of strings, got " + describe(value));
  std::vector<std::string> out;
  for (size_t i = 0; i < value.size(); ++i)
    out.push_back(text(value[i], path + "[" + std::to_string(i) + "]"));
  return out;
}

std::vector<float> JsonReader::floats(const json& value, const std::string& path) const {
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

json parse_json_object(const std::string& text, const std::string& where) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    fail(Status::format, where + ": not valid JSON (" + e.what() + ")");
  }
  if (!doc.is_object()) fail(Status::format, where + ": must be a JSON object");
  return doc;
}

nlohmann::ordered_json json_finite_or_null(double value) {
  return std::isfinite(value) ? nlohmann::ordered_json(value) : nlohmann::ordered_json(nullptr);
}

nlohmann::ordered_json json_exact_number(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  return value;
}

}  // namespace kcell::io
