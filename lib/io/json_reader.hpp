// Typed reads out of a parsed JSON document (model-file metadata, checkpoint state), every
// problem a format error "<where>: '<path>' <problem>", and the one convention for numbers
// JSON cannot spell: null and the strings "nan", "inf", "-inf" (see number()).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace kcell::io {

class JsonReader {
 public:
  using json = nlohmann::json;

  // `where` names the document in every message ("cells.kcell: kcell.json").
  explicit JsonReader(std::string where) : where_(std::move(where)) {}

  // Throws Status::format "<where>: '<path>' <problem>".
  [[noreturn]] void error(const std::string& path, const std::string& problem) const;

  // object[key], which must exist (and object must be an object); `path` names it.
  const json& member(const json& object, const std::string& key, const std::string& path) const;
  const json& member(const json& object, const std::string& key) const {
    return member(object, key, key);
  }
  // object[key], which must be an object itself.
  const json& object(const json& parent, const std::string& key, const std::string& path) const;

  // An integer in [low, high].
  int64_t integer(const json& value, const std::string& path, int64_t low, int64_t high) const;
  int64_t integer(const json& parent, const std::string& key, const std::string& path, int64_t low,
                  int64_t high) const {
    return integer(member(parent, key, path), path, low, high);
  }
  // An integer in [0, 2^64).
  uint64_t unsigned_integer(const json& value, const std::string& path) const;
  std::string text(const json& value, const std::string& path) const;
  bool boolean(const json& value, const std::string& path) const;
  // A number; null and "nan" read as NaN, "inf" and "-inf" as the infinities (the writers'
  // spellings: json_finite_or_null() and json_exact_number()).
  double number(const json& value, const std::string& path) const;
  std::vector<std::string> strings(const json& value, const std::string& path) const;
  // An array of finite numbers that fit a float.
  std::vector<float> floats(const json& value, const std::string& path) const;

 private:
  std::string where_;
};

// Parses `text` as a JSON object; a format error "<where>: ..." when it is not one.
nlohmann::json parse_json_object(const std::string& text, const std::string& where);

// A finite number as itself, anything else as null (formats that keep no infinities).
nlohmann::ordered_json json_finite_or_null(double value);

// A number that reads back bit for bit: NaN and the infinities as "nan", "inf", "-inf".
nlohmann::ordered_json json_exact_number(double value);

}  // namespace kcell::io
