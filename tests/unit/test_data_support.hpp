// Helpers shared by the dataset tests: fixture paths, the fixtures' pixel formula, reading
// and writing whole files, and checking that a call fails with a given status and message.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "data/dataset.hpp"

namespace kcell::test {

inline std::string data_fixture(const std::string& name) {
  return std::string(KCELL_FIXTURES_DIR) + "/data/" + name;
}

// A whole file's bytes (REQUIREs it can be read), and writing them back.
inline std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}

// The formula tests/fixtures/data/make_fixtures.py writes pixels and labels with.
inline uint8_t fixture_pixel(int split, int n, int y, int x, int c) {
  return static_cast<uint8_t>((50 * split + 7 * n + 5 * y + 3 * x + 40 * c) % 256);
}
inline int32_t fixture_label(int split, int n) { return (n + split) % 3; }
inline constexpr int kFixtureHeight = 6;
inline constexpr int kFixtureWidth = 5;
inline constexpr size_t kFixtureCounts[3] = {12, 4, 6};

// Runs body() and checks it throws kcell::Error with `status` and a message containing
// every one of `parts`.
template <class Body, class... Parts>
void check_error(Body&& body, Status status, const Parts&... parts) {
  try {
    body();
    FAIL("expected an error, but the call succeeded");
  } catch (const Error& e) {
    INFO("message: " << std::string(e.what()));
    CHECK(static_cast<int>(e.status()) == static_cast<int>(status));
    const std::string message = e.what();
    for (const std::string& part : {std::string(parts)...})
      CHECK_MESSAGE(message.find(part) != std::string::npos, "missing: " << part);
  }
}

inline data::Dataset open_fixture(const std::string& name, data::OpenOptions options = {}) {
  return data::open_dataset(data_fixture(name), options);
}

// Checks every pixel and label of a split against the fixture formula.
inline void check_split_matches_formula(const data::Dataset& d, data::SplitId id, int split,
                                        size_t count, bool labelled = true) {
  const data::Split& s = d.split(id);
  REQUIRE(s.count == count);
  REQUIRE(s.images.size() == count * d.image_bytes());
  REQUIRE(s.labels.size() == count);
  size_t mismatches = 0;
  size_t i = 0;
  for (size_t n = 0; n < count; ++n)
    for (int c = 0; c < d.channels; ++c)
      for (int y = 0; y < d.height; ++y)
        for (int x = 0; x < d.width; ++x, ++i)
          if (s.images[i] != fixture_pixel(split, static_cast<int>(n), y, x, c)) ++mismatches;
  CHECK(mismatches == 0);
  for (size_t n = 0; n < count; ++n)
    CHECK(s.labels[n] == (labelled ? fixture_label(split, static_cast<int>(n)) : -1));
}

}  // namespace kcell::test
