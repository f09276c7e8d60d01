// Whole zip members and typed JSON reading (lib/io): the readers model files, checkpoints
// and ensembles share.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "io/json_reader.hpp"
#include "io/npy_writer.hpp"
#include "io/zip_archive.hpp"
#include "io/zip_members.hpp"
#include "io/zip_writer.hpp"
#include "test_data_support.hpp"

using kcell::Status;
using kcell::io::JsonReader;
using kcell::test::check_error;

namespace {

// A zip of one float32 .npy member "t.npy" of shape (2, 3) and one text member "note".
std::vector<uint8_t> sample_zip() {
  const std::vector<float> values = {1.5f, -2.f, 0.f, 3.25f, 1e-8f, -0.5f};
  const std::vector<uint8_t> npy = kcell::io::npy_float32({2, 3}, values.data(), values.size());
  kcell::io::ZipWriter zip;
  zip.add("t.npy", npy.data(), npy.size());
  const std::string note = "hello";
  zip.add("note", note.data(), note.size());
  return zip.finish();
}

}  // namespace

TEST_CASE("a float32 member is read only with the shape that is asked for") {
  const std::vector<uint8_t> bytes = sample_zip();
  kcell::io::ZipArchive zip(bytes.data(), bytes.size(), "sample.zip");
  const std::vector<float> values =
      kcell::io::read_float32_member(zip, "t.npy", {2, 3}, "the test");
  CHECK(values == std::vector<float>{1.5f, -2.f, 0.f, 3.25f, 1e-8f, -0.5f});
  check_error(
      [&] {
        kcell::io::read_float32_member(zip, "t.npy", {3, 2}, "the test");
      },
      Status::format, "sample.zip: member t.npy", "has shape (2, 3) but the test needs (3, 2)");
  // A member that is no .npy at all.
  check_error([&] { kcell::io::read_float32_member(zip, "note", {5}, "the test"); }, Status::format,
              "note");
}

TEST_CASE("a whole member is read when it fits the limit and refused before reading when not") {
  const std::vector<uint8_t> bytes = sample_zip();
  kcell::io::ZipArchive zip(bytes.data(), bytes.size(), "sample.zip");
  const std::vector<uint8_t> note = kcell::io::read_member_bytes(zip, "note", 5, "the note");
  CHECK(std::string(note.begin(), note.end()) == "hello");
  check_error([&] { kcell::io::read_member_bytes(zip, "note", 4, "the note"); }, Status::format,
              "declares 5 bytes, more than the note can plausibly need");
  CHECK(zip.member_label("note") == "sample.zip: member note");
}

TEST_CASE("JSON numbers: null and nan are NaN, inf and -inf the infinities, else a format error") {
  const nlohmann::json doc = kcell::io::parse_json_object(
      R"({"a": 2.5, "b": null, "c": "nan", "d": "inf", "e": "-inf", "f": "many", "g": true})",
      "doc.json");
  const JsonReader r("doc.json");
  CHECK(r.number(r.member(doc, "a"), "a") == 2.5);
  CHECK(std::isnan(r.number(r.member(doc, "b"), "b")));
  CHECK(std::isnan(r.number(r.member(doc, "c"), "c")));
  CHECK(r.number(r.member(doc, "d"), "d") == std::numeric_limits<double>::infinity());
  CHECK(r.number(r.member(doc, "e"), "e") == -std::numeric_limits<double>::infinity());
  check_error([&] { r.number(r.member(doc, "f"), "f"); }, Status::format,
              "doc.json: 'f' must be a number");
  check_error([&] { r.number(r.member(doc, "g"), "g"); }, Status::format, "'g' must be a number");
  check_error([&] { r.member(doc, "h", "x.h"); }, Status::format, "doc.json: 'x.h' is missing");
  check_error([&] { kcell::io::parse_json_object("[1, 2]", "list.json"); }, Status::format,
              "list.json: must be a JSON object");
  check_error([&] { kcell::io::parse_json_object("{", "broken.json"); }, Status::format,
              "broken.json: not valid JSON");
}

TEST_CASE(
    "what json_exact_number writes reads back bit for bit; json_finite_or_null loses non-finite") {
  const JsonReader r("doc.json");
  for (double v :
       {0.1, -3.0, 1e300, std::numeric_limits<double>::denorm_min(),
        std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()}) {
    const nlohmann::json parsed = nlohmann::json::parse(kcell::io::json_exact_number(v).dump());
    const double back = r.number(parsed, "v");
    CHECK(std::memcmp(&back, &v, sizeof v) == 0);
  }
  const nlohmann::json nan_text =
      nlohmann::json::parse(kcell::io::json_exact_number(std::nan("")).dump());
  CHECK(std::isnan(r.number(nan_text, "v")));
  CHECK(kcell::io::json_finite_or_null(std::numeric_limits<double>::infinity()).is_null());
  CHECK(kcell::io::json_finite_or_null(2.0) == 2.0);
}

TEST_CASE("JSON integers are checked against their range and sign") {
  const nlohmann::json doc =
      kcell::io::parse_json_object(R"({"n": 7, "big": 18446744073709551615, "neg": -1})", "d");
  const JsonReader r("d");
  CHECK(r.integer(doc, "n", "n", 0, 10) == 7);
  check_error([&] { r.integer(doc, "n", "n", 0, 5); }, Status::format, "'n' is 7, outside [0, 5]");
  check_error([&] { r.integer(doc, "big", "big", 0, 5); }, Status::format, "outside [0, 5]");
  CHECK(r.unsigned_integer(r.member(doc, "big"), "big") == 18446744073709551615ull);
  check_error([&] { r.unsigned_integer(r.member(doc, "neg"), "neg"); }, Status::format,
              "'neg' must be an integer in [0, 2^64)");
}
