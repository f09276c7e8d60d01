// Helpers for the model file tests: small models with non-trivial state, comparing models
// bit for bit, and taking a model file apart and putting it back together (to corrupt it).
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/rng.hpp"
#include "io/byte_source.hpp"
#include "io/zip_archive.hpp"
#include "io/zip_writer.hpp"
#include "model/model.hpp"
#include "spec/architecture.hpp"

namespace kcell::test {

inline const char* const kTestVersion = "0.1.0-test";
inline const char* const kSmallSpec = "conv(4,3) bn relu maxpool(2) flatten dense";

inline bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// A model whose every tensor, its normalisation, class names and training summary differ
// from what a fresh model of the same spec and seed would have.
inline std::unique_ptr<model::Model> make_test_model(const char* spec = kSmallSpec,
                                                     int channels = 1, int side = 8,
                                                     int classes = 3, uint64_t seed = 7) {
  auto m = std::make_unique<model::Model>(spec::parse_architecture(spec), channels, side, side,
                                          classes, seed);
  kcell::SplitMix64 rng(seed * 31 + 1);
  for (nn::Param* p : m->network().params())
    for (float& v : p->value) v = static_cast<float>(rng.uniform01() - 0.5);
  for (nn::Buffer* b : m->network().buffers())
    for (float& v : b->value) v = static_cast<float>(0.25 + rng.uniform01());  // var > 0
  m->network().weights_changed();
  model::Normalization norm;
  for (int c = 0; c < channels; ++c) {
    norm.mean.push_back(0.1f * static_cast<float>(c + 1) + 0.0123f);
    norm.std.push_back(0.3f + 0.05f * static_cast<float>(c));
  }
  m->set_normalization(norm);
  std::vector<std::string> names;
  for (int k = 0; k < classes; ++k) names.push_back("class " + std::to_string(k) + " \xc3\xa9");
  m->set_class_names(names);
  model::TrainingSummary summary;
  summary.epochs_trained = 12;
  summary.best_epoch = 9;
  summary.val_loss = 0.4321;
  summary.val_accuracy = 0.875;
  summary.parameters["optimizer"] = std::string("adam");
  summary.parameters["learning_rate"] = 0.001;
  summary.parameters["batch_size"] = 128.0;
  m->set_training_summary(summary);
  return m;
}

// Checks that every tensor, the normalisation, the names and the summary are equal.
inline void check_same_model(model::Model& a, model::Model& b) {
  CHECK(a.architecture().text == b.architecture().text);
  CHECK(a.channels() == b.channels());
  CHECK(a.height() == b.height());
  CHECK(a.width() == b.width());
  CHECK(a.num_classes() == b.num_classes());
  CHECK(a.seed() == b.seed());
  const auto pa = a.network().params(), pb = b.network().params();
  REQUIRE(pa.size() == pb.size());
  for (size_t i = 0; i < pa.size(); ++i) {
    CHECK(pa[i]->name == pb[i]->name);
    CHECK_MESSAGE(same_bits(pa[i]->value, pb[i]->value), pa[i]->name);
  }
  const auto ba = a.network().buffers(), bb = b.network().buffers();
  REQUIRE(ba.size() == bb.size());
  for (size_t i = 0; i < ba.size(); ++i)
    CHECK_MESSAGE(same_bits(ba[i]->value, bb[i]->value), ba[i]->name);
  CHECK(same_bits(a.normalization().mean, b.normalization().mean));
  CHECK(same_bits(a.normalization().std, b.normalization().std));
  CHECK(a.class_names() == b.class_names());
  const model::TrainingSummary &sa = a.training_summary(), &sb = b.training_summary();
  CHECK(sa.epochs_trained == sb.epochs_trained);
  CHECK(sa.best_epoch == sb.best_epoch);
  CHECK(sa.val_loss == sb.val_loss);
  CHECK(sa.val_accuracy == sb.val_accuracy);
  CHECK(sa.parameters == sb.parameters);
}

using Members = std::map<std::string, std::vector<uint8_t>>;

// Every member of a zip held in memory, by name.
inline Members read_members(const std::vector<uint8_t>& zip_bytes) {
  io::ZipArchive zip(zip_bytes.data(), zip_bytes.size(), "<test>");
  Members out;
  for (const std::string& name : zip.member_names()) {
    auto source = zip.open_member(name);
    std::vector<uint8_t> bytes(static_cast<size_t>(source->size().bytes));
    io::read_exact(*source, bytes.data(), bytes.size(), "a member");
    io::expect_end(*source, "a member");
    out[name] = std::move(bytes);
  }
  return out;
}

// A zip of these members (kcell.json first when present, as the saver writes it).
inline std::vector<uint8_t> write_members(const Members& members) {
  io::ZipWriter zip;
  auto json = members.find("kcell.json");
  if (json != members.end()) zip.add(json->first, json->second.data(), json->second.size());
  for (const auto& [name, bytes] : members)
    if (name != "kcell.json") zip.add(name, bytes.data(), bytes.size());
  return zip.finish();
}

inline std::string as_text(const std::vector<uint8_t>& bytes) {
  return std::string(bytes.begin(), bytes.end());
}

inline std::vector<uint8_t> as_bytes(const std::string& text) {
  return std::vector<uint8_t>(text.begin(), text.end());
}

// Replaces the only occurrence of `from` in `text` with `to` (REQUIREs there is one).
inline std::string replace_once(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  REQUIRE_MESSAGE(at != std::string::npos, "not found: " << from);
  REQUIRE_MESSAGE(text.find(from, at + 1) == std::string::npos, "found twice: " << from);
  return text.replace(at, from.size(), to);
}

}  // namespace kcell::test
