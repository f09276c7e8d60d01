// Model files: the round trip, the layout numpy expects, and rejection of damaged or
// inconsistent files with a format error that names the member and the problem.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>

#include "io/memory_source.hpp"
#include "io/npy_header.hpp"
#include "io/npy_writer.hpp"
#include "model/model_file.hpp"
#include "model/model_file_metadata.hpp"
#include "test_data_support.hpp"
#include "test_model_file_support.hpp"
#include "train/trainer.hpp"

using kcell::Status;
using kcell::model::load_model_from_memory;
using kcell::model::save_model_to_memory;
using kcell::test::check_error;
using kcell::test::kTestVersion;

namespace {

std::vector<uint8_t> small_file() {
  auto model = kcell::test::make_test_model();
  return save_model_to_memory(*model, kTestVersion);
}

void load(const std::vector<uint8_t>& bytes) { load_model_from_memory(bytes.data(), bytes.size()); }

// The saved small model with member `name` replaced by `bytes`.
std::vector<uint8_t> with_member(const std::string& name, const std::vector<uint8_t>& bytes) {
  kcell::test::Members members = kcell::test::read_members(small_file());
  members[name] = bytes;
  return kcell::test::write_members(members);
}

std::vector<uint8_t> with_json_edit(const std::string& from, const std::string& to) {
  const std::string json =
      kcell::test::as_text(kcell::test::read_members(small_file())["kcell.json"]);
  return with_member("kcell.json",
                     kcell::test::as_bytes(kcell::test::replace_once(json, from, to)));
}

std::string temp_path(const std::string& name) {
  return std::string(KCELL_TEST_TMP_DIR) + "/" + name;
}

}  // namespace

TEST_CASE("a saved model loads back with identical tensors, normalisation, names and summary") {
  auto model = kcell::test::make_test_model("conv(4,3) bn relu res(8,stride=2) gap flatten dense",
                                            3, 12, 5, 99);
  const std::vector<uint8_t> bytes = save_model_to_memory(*model, kTestVersion);
  auto loaded = load_model_from_memory(bytes.data(), bytes.size());
  kcell::test::check_same_model(*model, *loaded);

  const std::string path = temp_path("roundtrip.kcell");
  kcell::model::save_model(*model, path, kTestVersion);
  auto from_file = kcell::model::load_model(path);
  kcell::test::check_same_model(*model, *from_file);
}

TEST_CASE("saving the same model twice gives the same bytes, and a reloaded model saves alike") {
  auto model = kcell::test::make_test_model();
  const std::vector<uint8_t> a = save_model_to_memory(*model, kTestVersion);
  const std::vector<uint8_t> b = save_model_to_memory(*model, kTestVersion);
  CHECK(a == b);
  auto loaded = load_model_from_memory(a.data(), a.size());
  CHECK(save_model_to_memory(*loaded, kTestVersion) == a);
}

TEST_CASE("a model file holds kcell.json and one float32 C-order .npy per tensor, nothing else") {
  auto model = kcell::test::make_test_model();
  const kcell::test::Members members =
      kcell::test::read_members(save_model_to_memory(*model, kTestVersion));
  std::set<std::string> expected = {"kcell.json"};
  for (const kcell::nn::Param* p : model->network().params()) expected.insert(p->name + ".npy");
  for (const kcell::nn::Buffer* b : model->network().buffers()) expected.insert(b->name + ".npy");
  std::set<std::string> names;
  for (const auto& m : members) names.insert(m.first);
  CHECK(names == expected);
  CHECK(names.count("0.conv.weight.npy") == 1);
  CHECK(names.count("1.bn.running_var.npy") == 1);

  for (const kcell::nn::Param* p : model->network().params()) {
    const std::vector<uint8_t>& npy = members.at(p->name + ".npy");
    kcell::io::MemorySource source(npy.data(), npy.size(), p->name);
    const kcell::io::NpyHeader h = kcell::io::read_npy_header(source);
    CHECK(h.dtype.descr == "<f4");
    CHECK_FALSE(h.fortran_order);
    CHECK(h.shape == std::vector<uint64_t>(p->shape.begin(), p->shape.end()));
    CHECK(source.position() % 64 == 0);  // numpy's alignment of the data
    REQUIRE(npy.size() - source.position() == p->value.size() * sizeof(float));
    CHECK(std::memcmp(npy.data() + source.position(), p->value.data(),
                      p->value.size() * sizeof(float)) == 0);
  }
}

TEST_CASE("npy_float32 writes version 1.0 headers that the strict reader parses, 1-D as (n,)") {
  const std::vector<float> v = {1.f, -2.5f, 3.25f};
  const std::vector<uint8_t> npy = kcell::io::npy_float32({3}, v.data(), v.size());
  CHECK(npy[6] == 1);
  CHECK(npy[7] == 0);
  const std::string text(npy.begin(), npy.end());
  CHECK(text.find("'shape': (3,)") != std::string::npos);
  kcell::io::MemorySource source(npy.data(), npy.size(), "v");
  const kcell::io::NpyHeader h = kcell::io::read_npy_header(source);
  CHECK(h.shape == std::vector<uint64_t>{3});
  CHECK(source.position() % 64 == 0);
  CHECK(npy.size() == source.position() + 12);
  check_error(
      [&] {
        kcell::io::npy_float32({2, 2}, v.data(), v.size());
      },
      Status::internal, "(2, 2)");
}

TEST_CASE("the metadata is JSON with the documented fields; unknown numbers are null") {
  auto model = kcell::test::make_test_model();
  kcell::model::TrainingSummary summary;  // nothing known yet
  model->set_training_summary(summary);
  const std::string json =
      kcell::model::metadata_to_json(kcell::model::metadata_of(*model, "9.9.9"));
  for (const char* part :
       {"\"format\": \"kcell-model\"", "\"format_version\": 1", "\"kcell_version\": \"9.9.9\"",
        "\"architecture\": \"conv(4,3) bn relu maxpool(2) flatten dense\"", "\"channels\": 1",
        "\"height\": 8", "\"width\": 8", "\"num_classes\": 3", "\"class_names\": [",
        "\"best_epoch\": null", "\"val_loss\": null", "\"val_accuracy\": null",
        "\"epochs_trained\": 0", "\"0.conv.weight\"", "\"1.bn.running_mean\""})
    CHECK_MESSAGE(json.find(part) != std::string::npos, "missing: " << part);
  const kcell::model::ModelMetadata back = kcell::model::metadata_from_json(json, "t");
  CHECK(std::isnan(back.training.val_loss));
  CHECK(back.training.best_epoch == -1);
}

TEST_CASE("class names default to 0..k-1 and must be k valid UTF-8 names") {
  kcell::model::Model m(kcell::spec::parse_architecture(kcell::test::kSmallSpec), 1, 8, 8, 3, 1);
  CHECK(m.class_names() == std::vector<std::string>{"0", "1", "2"});
  check_error([&] { m.set_class_names({"a", "b"}); }, Status::invalid_argument, "3 class names");
  check_error([&] { m.set_class_names({"a", "", "c"}); }, Status::invalid_argument, "class name 1");
  check_error(
      [&] {
        m.set_class_names({"a", "b", "\xff"});
      },
      Status::invalid_argument, "class name 2", "UTF-8");
  check_error([&] { m.class_name(3); }, Status::invalid_argument, "class index 3");
  m.set_class_names({"x", "y", "z"});
  CHECK(m.class_name(2) == "z");
  m.set_class_names({});
  CHECK(m.class_name(2) == "2");
}

TEST_CASE("a model is read back from a memory zip exactly as from the same bytes on disk") {
  const std::vector<uint8_t> bytes = small_file();
  const std::string path = temp_path("same_bytes.kcell");
  {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
  }
  kcell::io::ZipArchive from_file(path);
  kcell::io::ZipArchive from_memory(bytes.data(), bytes.size(), "<mem>");
  CHECK(from_file.member_names() == from_memory.member_names());
  CHECK(from_memory.size_bytes() == bytes.size());
  auto a = kcell::model::load_model(path);
  auto b = load_model_from_memory(bytes.data(), bytes.size());
  kcell::test::check_same_model(*a, *b);
}

TEST_CASE("every truncated prefix of a model file is rejected with a format error") {
  const std::vector<uint8_t> bytes = small_file();
  size_t rejected = 0;
  for (size_t n = 0; n < bytes.size(); ++n) {
    try {
      load_model_from_memory(bytes.data(), n);
      MESSAGE("a prefix of " << n << " bytes loaded");
    } catch (const kcell::Error& e) {
      if (e.status() == Status::format)
        ++rejected;
      else
        MESSAGE("prefix " << n << ": " << e.what());
    }
  }
  CHECK(rejected == bytes.size());
  check_error([&] { load_model_from_memory(bytes.data(), bytes.size() / 2); }, Status::format,
              "<memory buffer>", "truncated");

  const std::string path = temp_path("truncated.kcell");
  {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size() - 10));
  }
  check_error([&] { kcell::model::load_model(path); }, Status::format, path, "truncated");
}

TEST_CASE("a flipped byte in a tensor's data is reported as a CRC mismatch of that member") {
  std::vector<uint8_t> bytes = small_file();
  // Stored members keep their bytes as they are: find the dense weights in the file.
  auto model = kcell::test::make_test_model();
  const kcell::nn::Param* dense = nullptr;
  for (const kcell::nn::Param* p : model->network().params())
    if (p->name == "5.dense.weight") dense = p;
  REQUIRE(dense != nullptr);
  const uint8_t* raw = reinterpret_cast<const uint8_t*>(dense->value.data());
  auto at = std::search(bytes.begin(), bytes.end(), raw, raw + 64);
  REQUIRE(at != bytes.end());
  *(at + 17) ^= 0x10;
  check_error([&] { load(bytes); }, Status::format, "5.dense.weight.npy", "CRC mismatch");
}

TEST_CASE("no single flipped byte anywhere gives a crash or a silently different model") {
  auto original = kcell::test::make_test_model();
  const std::vector<uint8_t> bytes = save_model_to_memory(*original, kTestVersion);
  size_t rejected = 0, accepted = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::vector<uint8_t> damaged = bytes;
    damaged[i] ^= 0x5a;
    try {
      auto m = load_model_from_memory(damaged.data(), damaged.size());
      ++accepted;  // a flip in bytes no check covers (timestamps, version-made-by, ...)
      kcell::test::check_same_model(*original, *m);
    } catch (const kcell::Error& e) {
      CHECK_MESSAGE(e.status() == Status::format, "byte " << i << ": " << e.what());
      ++rejected;
    }
  }
  MESSAGE(rejected << " flips rejected, " << accepted << " harmless");
  CHECK(rejected > bytes.size() * 9 / 10);
}

TEST_CASE("an unknown format version is rejected with a message naming it") {
  check_error([&] { load(with_json_edit("\"format_version\": 1", "\"format_version\": 4")); },
              Status::format, "kcell.json", "format version 4 is not supported",
              "reads versions 1 to 3");
  check_error([&] { load(with_json_edit("\"format_version\": 1", "\"format_version\": 0")); },
              Status::format, "format version 0 is not supported");
  // Version 2 needs the temperature it introduced.
  check_error([&] { load(with_json_edit("\"format_version\": 1", "\"format_version\": 2")); },
              Status::format, "temperature");
  check_error([&] { load(with_json_edit("\"format_version\": 1", "\"format_version\": \"1\"")); },
              Status::format, "'format_version' must be an integer");
}

TEST_CASE("a tensor whose shape differs from the architecture's is rejected naming both") {
  const std::vector<float> v(4 * 1 * 3 * 2, 0.5f);
  check_error(
      [&] {
        load(with_member("0.conv.weight.npy",
                         kcell::io::npy_float32({4, 1, 3, 2}, v.data(), v.size())));
      },
      Status::format, "0.conv.weight.npy", "shape (4, 1, 3, 2)", "architecture needs (4, 1, 3, 3)");
  // The metadata claims another input size: the tensors no longer fit the architecture.
  check_error([&] { load(with_json_edit("\"height\": 8", "\"height\": 10")); }, Status::format,
              "5.dense.weight.npy", "shape (3, 64)", "(3, 80)");
}

TEST_CASE("missing, unexpected, float64 and Fortran-order members are each rejected") {
  kcell::test::Members members = kcell::test::read_members(small_file());
  members.erase("1.bn.running_var.npy");
  check_error([&] { load(kcell::test::write_members(members)); }, Status::format,
              "1.bn.running_var.npy", "missing");

  check_error(
      [&] {
        load(with_member("extra.npy", {1, 2, 3}));
      },
      Status::format, "unexpected member 'extra.npy'");

  // Four float64 values: the bytes of eight float32 zeros under a '<f8' (4,) header.
  std::vector<uint8_t> f64 = kcell::io::npy_float32({8}, std::vector<float>(8, 0.f).data(), 8);
  std::string text = kcell::test::as_text(f64);
  text = kcell::test::replace_once(text, "'<f4'", "'<f8'");
  text = kcell::test::replace_once(text, "(8,)", "(4,)");
  check_error([&] { load(with_member("0.conv.bias.npy", kcell::test::as_bytes(text))); },
              Status::format, "0.conv.bias.npy", "'<f8'", "'<f4'");

  const std::vector<float> bias(4, 0.f);
  std::string fortran = kcell::test::as_text(kcell::io::npy_float32({4}, bias.data(), 4));
  fortran = kcell::test::replace_once(fortran, "False", "True ");
  check_error([&] { load(with_member("0.conv.bias.npy", kcell::test::as_bytes(fortran))); },
              Status::format, "0.conv.bias.npy", "Fortran");

  std::vector<uint8_t> short_data = kcell::io::npy_float32({4}, bias.data(), 4);
  short_data.resize(short_data.size() - 4);
  check_error([&] { load(with_member("0.conv.bias.npy", short_data)); }, Status::format,
              "0.conv.bias.npy");
}

TEST_CASE("bad metadata is rejected naming the field") {
  check_error(
      [&] { load(with_member("kcell.json", kcell::test::as_bytes("{\"format_version\": 1,"))); },
      Status::format, "kcell.json", "not valid JSON");
  check_error([&] { load(with_json_edit("\"num_classes\": 3", "\"num_classes\": 1")); },
              Status::format, "'num_classes'", "outside [2, 65536]");
  check_error([&] { load(with_json_edit("\"channels\": 1", "\"channels\": \"one\"")); },
              Status::format, "'input.channels' must be an integer");
  check_error(
      [&] {
        load(with_json_edit("\"architecture\": \"conv(4,3)",
                            "\"architecture\": \"conv(4,3) frobnicate"));
      },
      Status::format, "kcell.json: architecture", "frobnicate");
  check_error([&] { load(with_json_edit("\"class_names\": [", "\"class_names\": [\"extra\",")); },
              Status::format, "class_names", "3 class names");
  check_error([&] { load(with_json_edit("\"std\": [", "\"std\": [-1.0,")); }, Status::format,
              "normalization");
  check_error([&] { load(with_json_edit("\"std\": [", "\"std\": [1e300,")); }, Status::format,
              "'normalization.std[0]' must be a finite 32-bit float");
  check_error([&] { load(with_json_edit("\"0.conv.bias\",", "")); }, Status::format,
              "tensor list does not match");

  kcell::test::Members members = kcell::test::read_members(small_file());
  members.erase("kcell.json");
  check_error([&] { load(kcell::test::write_members(members)); }, Status::format,
              "not a kcell model file", "kcell.json");
}

TEST_CASE("an architecture too large for the file's bytes is rejected before it is built") {
  check_error(
      [&] {
        load(with_json_edit("\"architecture\": \"conv(4,3) bn relu maxpool(2) flatten dense\"",
                            "\"architecture\": \"conv(4,3) bn relu maxpool(2) flatten dense(65536) "
                            "dense(65536) dense\""));
      },
      Status::format, "parameters, more than the file's");
}

TEST_CASE("files that are missing or not zips give io and format errors") {
  check_error([&] { kcell::model::load_model(temp_path("does_not_exist.kcell")); }, Status::io,
              "does_not_exist.kcell", "cannot open");
  const std::vector<uint8_t> junk(300, 'x');
  check_error([&] { load(junk); }, Status::format, "not a readable zip archive");
}

TEST_CASE("a loaded model can be trained further") {
  auto model = kcell::test::make_test_model();
  const std::vector<uint8_t> bytes = save_model_to_memory(*model, kTestVersion);
  auto loaded = load_model_from_memory(bytes.data(), bytes.size());

  kcell::data::Dataset data;
  data.channels = 1;
  data.height = data.width = 8;
  data.num_classes = 3;
  kcell::data::Split& train = data.split(kcell::data::SplitId::train);
  train.count = 30;
  for (size_t i = 0; i < train.count; ++i) {
    train.labels.push_back(static_cast<int32_t>(i % 3));
    for (int p = 0; p < 64; ++p) train.images.push_back(static_cast<uint8_t>((i % 3) * 80 + p));
  }
  kcell::train::TrainConfig config;
  config.epochs = 1;
  config.batch_size = 10;
  config.num_threads = 1;
  kcell::train::train(*loaded, data, nullptr, config);

  const auto before = model->network().params(), after = loaded->network().params();
  bool changed = false;
  for (size_t i = 0; i < before.size(); ++i)
    changed = changed || !kcell::test::same_bits(before[i]->value, after[i]->value);
  CHECK(changed);
  // The loaded normalisation is kept, not relearnt from the new images.
  CHECK(kcell::test::same_bits(loaded->normalization().mean, model->normalization().mean));
  for (const kcell::nn::Param* p : after)
    for (float v : p->value) REQUIRE(std::isfinite(v));
}
