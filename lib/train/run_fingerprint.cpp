#include "train/run_fingerprint.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <variant>

#include "train/run_record.hpp"

namespace kcell::train {
namespace {

// A fast 64-bit hash of a byte range, eight bytes at a time (multiply-rotate mixing). It
// only has to tell datasets apart, not resist an adversary.
uint64_t hash_bytes(const void* data, size_t size, uint64_t h) {
  const auto* p = static_cast<const uint8_t*>(data);
  auto mix = [&](uint64_t word) {
    h ^= word * 0x9E3779B97F4A7C15ull;
    h = ((h << 31) | (h >> 33)) * 0xBF58476D1CE4E5B9ull;
  };
  size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    uint64_t word;
    std::memcpy(&word, p + i, 8);
    mix(word);
  }
  uint64_t tail = 0;
  std::memcpy(&tail, p + i, size - i);
  mix(tail ^ (static_cast<uint64_t>(size) << 56));
  h ^= h >> 29;
  return h * 0x94D049BB133111EBull;
}

std::string split_identity(const data::Dataset& d, data::SplitId id) {
  const data::Split& s = d.split(id);
  if (s.count == 0) return "none";
  uint64_t h = hash_bytes(s.images.data(), s.count * d.image_bytes(), 0x6B63656C6Cull);
  h = hash_bytes(s.labels.data(), s.count * static_cast<size_t>(s.label_width) * sizeof(int32_t),
                 h);
  char text[64];
  std::snprintf(text, sizeof text, "%zu images, hash %016llx", s.count,
                static_cast<unsigned long long>(h));
  return text;
}

// Numbers exactly, so that no setting can differ unnoticed: the shortest of 15 and 17
// significant digits that reads back to the same double ("0.9", not "0.90000000000000002").
std::string exact(double value) {
  char text[40];
  std::snprintf(text, sizeof text, "%.15g", value);
  if (std::strtod(text, nullptr) != value) std::snprintf(text, sizeof text, "%.17g", value);
  return text;
}

}  // namespace

Fingerprint run_fingerprint(const model::Model& model, const data::Dataset& train,
                            const data::Dataset* val, const TrainConfig& config) {
  Fingerprint f;
  for (const auto& [name, value] : settings_of(config)) {
    if (const std::string* text = std::get_if<std::string>(&value))
      f[name] = *text;
    else
      f[name] = exact(std::get<double>(value));
  }
  if (!config.loss.class_weights.empty()) {  // settings_of rounds them to 6 digits
    std::string weights;
    for (float w : config.loss.class_weights)
      weights += (weights.empty() ? "" : ",") + exact(static_cast<double>(w));
    f["class_weights"] = weights;
  }
  f["precision"] = config.precision == nn::Precision::bf16 ? "bf16" : "fp32";
  f["architecture"] = model.architecture().text;
  f["input"] = std::to_string(model.channels()) + "x" + std::to_string(model.height()) + "x" +
               std::to_string(model.width());
  f["classes"] = std::to_string(model.num_classes());
  f["train_data"] = split_identity(train, data::SplitId::train);
  f["val_data"] = val ? split_identity(*val, data::SplitId::val) : "none";
  return f;
}

std::string fingerprint_difference(const Fingerprint& saved, const Fingerprint& now) {
  auto value = [](const Fingerprint& f, const std::string& key) {
    auto it = f.find(key);
    return it == f.end() ? std::string("not set") : "'" + it->second + "'";
  };
  for (const Fingerprint* side : {&saved, &now})
    for (const auto& entry : *side) {
      const std::string& key = entry.first;
      const std::string a = value(saved, key), b = value(now, key);
      if (a != b) return "'" + key + "' is " + a + " in the checkpoint and " + b + " here";
    }
  return "";
}

}  // namespace kcell::train
