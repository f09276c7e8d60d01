// Model files whose values would make every prediction meaningless are refused at load with
// a format error naming the tensor or field: NaN and infinite weights, a negative running
// variance, a std that would overflow the normalisation, class names with control
// characters (which would forge lines of the program's output).
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "io/npy_writer.hpp"
#include "model/model_file.hpp"
#include "test_data_support.hpp"
#include "test_model_file_support.hpp"

using kcell::Status;
using kcell::test::check_error;

namespace {

kcell::test::Members small_members() {
  auto model = kcell::test::make_test_model();
  return kcell::test::read_members(
      kcell::model::save_model_to_memory(*model, kcell::test::kTestVersion));
}

void load(const kcell::test::Members& members) {
  const std::vector<uint8_t> bytes = kcell::test::write_members(members);
  kcell::model::load_model_from_memory(bytes.data(), bytes.size());
}

// The small model with element 0 of tensor `name` (shape `shape`, n values) set to `value`.
kcell::test::Members with_value(const std::string& name, const std::vector<int64_t>& shape,
                                size_t n, float value) {
  kcell::test::Members members = small_members();
  std::vector<float> v(n, 0.25f);
  v[0] = value;
  members[name + ".npy"] = kcell::io::npy_float32(shape, v.data(), v.size());
  return members;
}

kcell::test::Members with_metadata(const std::string& pointer, const nlohmann::json& value) {
  kcell::test::Members members = small_members();
  nlohmann::json meta = nlohmann::json::parse(kcell::test::as_text(members["kcell.json"]));
  meta[nlohmann::json::json_pointer(pointer)] = value;
  members["kcell.json"] = kcell::test::as_bytes(meta.dump());
  return members;
}

}  // namespace

TEST_CASE("a model file with a NaN or infinite weight is refused naming the tensor") {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  check_error(
      [&] {
        load(with_value("0.conv.weight", {4, 1, 3, 3}, 36, nan));
      },
      Status::format, "0.conv.weight.npy", "NaN");
  check_error([&] { load(with_value("0.conv.bias", {4}, 4, -inf)); }, Status::format,
              "0.conv.bias.npy", "infinite");
}

TEST_CASE("a model file with a negative running variance is refused naming it") {
  check_error([&] { load(with_value("1.bn.running_var", {4}, 4, -1.f)); }, Status::format,
              "1.bn.running_var.npy", "variance cannot be negative");
}

TEST_CASE("a model file whose std would overflow the normalisation is refused") {
  check_error([&] { load(with_metadata("/normalization/std", {1e-45})); }, Status::format,
              "normalization", "std of at least 1e-6");
}

TEST_CASE("a model file with a tab, newline or escape in a class name is refused") {
  for (const char* name : {"a\tb", "two\nlines", "\x1b[31mred"})
    check_error(
        [&] {
          load(with_metadata("/class_names", {"x", name, "z"}));
        },
        Status::format, "class_names", "control character");
}
