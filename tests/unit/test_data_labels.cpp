// Label conversion: every integer dtype and byte order to int32, and what is refused.
#include <doctest/doctest.h>

#include <vector>

#include "data/label_convert.hpp"
#include "test_data_support.hpp"

using kcell::Status;
using kcell::data::convert_labels;
using kcell::io::NpyDtype;
using kcell::test::check_error;

namespace {

NpyDtype dtype(char kind, int size, bool big_endian) {
  NpyDtype d;
  d.kind = kind;
  d.item_size = size;
  d.big_endian = big_endian;
  d.descr = std::string(big_endian ? ">" : "<") + kind + std::to_string(size);
  return d;
}

// Encodes values as `size`-byte integers in the given byte order.
std::vector<uint8_t> encode(const std::vector<int64_t>& values, int size, bool big_endian) {
  std::vector<uint8_t> out;
  for (int64_t v : values) {
    auto bits = static_cast<uint64_t>(v);
    for (int i = 0; i < size; ++i) {
      int shift = big_endian ? (size - 1 - i) * 8 : i * 8;
      out.push_back(static_cast<uint8_t>(bits >> shift));
    }
  }
  return out;
}

}  // namespace

TEST_CASE("labels of every integer width, signedness and byte order convert to int32") {
  const std::vector<int64_t> values = {0, 1, 7, 127, 255 % 128, 42};
  for (char kind : {'u', 'i'}) {
    for (int size : {1, 2, 4, 8}) {
      for (bool big : {false, true}) {
        INFO(kind << size << (big ? " big-endian" : " little-endian"));
        auto raw = encode(values, size, big);
        std::vector<int32_t> out(values.size(), -99);
        convert_labels(raw.data(), values.size(), dtype(kind, size, big), out.data(), "l.npy");
        for (size_t i = 0; i < values.size(); ++i) CHECK(out[i] == values[i]);
      }
    }
  }
  // 1000 needs both bytes of a 16-bit label in the right order.
  auto raw = encode({1000, 65535}, 2, true);
  std::vector<int32_t> out(2);
  convert_labels(raw.data(), 2, dtype('u', 2, true), out.data(), "l.npy");
  CHECK(out[0] == 1000);
  CHECK(out[1] == 65535);
}

TEST_CASE("negative labels are rejected naming the value and index, for every signed width") {
  for (int size : {1, 2, 4, 8}) {
    for (bool big : {false, true}) {
      auto raw = encode({3, 0, -1}, size, big);
      std::vector<int32_t> out(3);
      check_error(
          [&] { convert_labels(raw.data(), 3, dtype('i', size, big), out.data(), "l.npy"); },
          Status::format, "l.npy", "negative label -1", "index 2");
    }
  }
}

TEST_CASE("labels that do not fit a class index are rejected") {
  for (int64_t big_value : {int64_t{65536}, int64_t{1} << 31, int64_t{1} << 40}) {
    for (int size : {4, 8}) {
      if (size == 4 && big_value >= (int64_t{1} << 32)) continue;
      auto raw = encode({1, big_value}, size, false);
      std::vector<int32_t> out(2);
      check_error(
          [&] { convert_labels(raw.data(), 2, dtype('u', size, false), out.data(), "l.npy"); },
          Status::format, "l.npy", std::to_string(big_value), "index 1");
    }
  }
  // The largest unsigned 64-bit value is not taken for -1.
  auto raw = encode({-1}, 8, false);
  std::vector<int32_t> out(1);
  check_error([&] { convert_labels(raw.data(), 1, dtype('u', 8, false), out.data(), "l.npy"); },
              Status::format, "18446744073709551615");
}

TEST_CASE("float labels are rejected as not integer") {
  auto raw = encode({0}, 4, false);
  std::vector<int32_t> out(1);
  check_error([&] { convert_labels(raw.data(), 1, dtype('f', 4, false), out.data(), "l.npy"); },
              Status::format, "l.npy", "integer dtype");
}
