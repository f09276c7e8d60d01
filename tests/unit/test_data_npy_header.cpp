// The .npy header parser: what it accepts, and every malformed header it refuses.
#include <doctest/doctest.h>

#include <string>

#include "io/memory_source.hpp"
#include "io/npy_header.hpp"
#include "test_data_support.hpp"

using kcell::Status;
using kcell::io::MemorySource;
using kcell::io::NpyHeader;
using kcell::io::parse_npy_header_dict;
using kcell::io::read_npy_header;
using kcell::test::check_error;

namespace {

// A complete .npy header of the given version around a dictionary text.
std::string npy_with_dict(const std::string& dict, int major) {
  std::string out = "\x93NUMPY";
  out += static_cast<char>(major);
  out += '\0';
  size_t length = dict.size();
  int length_bytes = major == 1 ? 2 : 4;
  for (int i = 0; i < length_bytes; ++i) out += static_cast<char>((length >> (8 * i)) & 0xff);
  return out + dict;
}

NpyHeader parse(const std::string& dict) { return parse_npy_header_dict(dict, "test.npy"); }

void check_malformed(const std::string& dict, const std::string& problem) {
  INFO("dict: " << dict);
  check_error([&] { parse(dict); }, Status::format, "test.npy", "malformed .npy header", problem);
}

}  // namespace

TEST_CASE("npy header: a numpy-written dictionary gives dtype, order, shape and sizes") {
  NpyHeader h = parse("{'descr': '|u1', 'fortran_order': False, 'shape': (165466, 28, 28), }  \n");
  CHECK(h.dtype.descr == "|u1");
  CHECK(h.dtype.kind == 'u');
  CHECK(h.dtype.item_size == 1);
  CHECK_FALSE(h.fortran_order);
  REQUIRE(h.shape.size() == 3);
  CHECK(h.shape[0] == 165466);
  CHECK(h.element_count == 165466ull * 28 * 28);
  CHECK(h.payload_bytes == 165466ull * 28 * 28);
}

TEST_CASE("npy header: byte order, item size, key order and quoting variants are understood") {
  NpyHeader be = parse("{\"shape\": (7,), \"fortran_order\": True, \"descr\": \">i8\"}\n");
  CHECK(be.dtype.big_endian);
  CHECK(be.dtype.kind == 'i');
  CHECK(be.dtype.item_size == 8);
  CHECK(be.fortran_order);
  CHECK(be.payload_bytes == 56);
  NpyHeader le = parse("{'descr': '<u2', 'fortran_order': False, 'shape': (3, 1)}\n");
  CHECK_FALSE(le.dtype.big_endian);
  CHECK(le.payload_bytes == 6);
  NpyHeader scalar = parse("{'descr': '<f4', 'fortran_order': False, 'shape': ()}\n");
  CHECK(scalar.shape.empty());
  CHECK(scalar.element_count == 1);
  NpyHeader empty = parse("{'descr': '|u1', 'fortran_order': False, 'shape': (0, 28, 28)}\n");
  CHECK(empty.element_count == 0);
}

TEST_CASE("npy header: malformed dictionaries are rejected with the problem named") {
  check_malformed("{'descr': '|u1', 'fortran_order': False}\n", "'shape' is missing");
  check_malformed("{'fortran_order': False, 'shape': (1,)}\n", "'descr' is missing");
  check_malformed("{'descr': '|u1', 'shape': (1,)}\n", "'fortran_order' is missing");
  check_malformed("{'descr': '|u1', 'descr': '|u1', 'fortran_order': False, 'shape': (1,)}\n",
                  "appears twice");
  check_malformed("{'descr': '|u1', 'fortran_order': False, 'shape': (1,), 'extra': 1}\n",
                  "unexpected key 'extra'");
  check_malformed("{'descr': '|u1', 'fortran_order': 0, 'shape': (1,)}\n", "True or False");
  check_malformed("{'descr': '|u1', 'fortran_order': False, 'shape': (5)}\n", "not a tuple");
  check_malformed("{'descr': '|u1', 'fortran_order': False, 'shape': [5]}\n", "expected '('");
  check_malformed("{'descr': '|u1', 'fortran_order': False, 'shape': (-5,)}\n", "negative");
  check_malformed("{'descr': '|u1', 'fortran_order': False, 'shape': (5, x)}\n",
                  "tuple of integers");
  check_malformed("{'descr': '|u1', 'fortran_order': False, 'shape': (05,)}\n", "leading zero");
  check_malformed("{'descr': '|u1', 'fortran_order': False, 'shape': (99999999999999999999,)}\n",
                  "too large for 64 bits");
  check_malformed("{'descr': '|u1', 'fortran_order': False, 'shape': (1,)\n", "',' or '}'");
  check_malformed("{'descr': '|u1', 'fortran_order': False, 'shape': (1,)} junk\n",
                  "after the header dictionary");
  check_malformed("{'descr': '|u1', 'fortran_order': False, 'shape': (1,)}", "newline");
  check_malformed("{'descr: '|u1', 'fortran_order': False, 'shape': (1,)}\n", "expected ':'");
  check_malformed("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,)}\n",
                  "structured dtypes");
  check_malformed("", "expected '{'");
}

TEST_CASE("npy header: unsupported dtypes are rejected naming the dtype") {
  for (const char* descr : {"<U8", "<M8[ns]", "|u3", "<c8", "|O", "u1", "|u2", "<b2", "*u1"}) {
    INFO(std::string(descr));
    check_error(
        [&] {
          parse(std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (1,)}\n");
        },
        Status::format, "test.npy");
  }
  check_malformed("{'descr': '<U8', 'fortran_order': False, 'shape': (1,)}\n",
                  "unsupported dtype '<U8'");
  check_malformed("{'descr': '|u2', 'fortran_order': False, 'shape': (1,)}\n", "no byte order");
}

TEST_CASE("npy header: a shape whose element count overflows 64 bits is rejected") {
  check_malformed(
      "{'descr': '|u1', 'fortran_order': False, 'shape': (1099511627776, 1099511627776)}\n",
      "more elements than fit in 64 bits");
  // The element count fits but the byte count does not.
  check_malformed("{'descr': '<u8', 'fortran_order': False, 'shape': (4611686018427387904,)}\n",
                  "more bytes than fit in 64 bits");
}

TEST_CASE("npy header: versions 1.0, 2.0 and 3.0 are read; other versions are rejected") {
  const std::string dict = "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }\n";
  for (int major : {1, 2, 3}) {
    std::string bytes = npy_with_dict(dict, major) + "abcdef";
    MemorySource source(bytes.data(), bytes.size(), "v.npy");
    NpyHeader h = read_npy_header(source);
    CHECK(h.major_version == major);
    CHECK(h.payload_bytes == 6);
    CHECK(source.position() == bytes.size() - 6);
  }
  std::string v4 = npy_with_dict(dict, 4);
  MemorySource source(v4.data(), v4.size(), "v4.npy");
  check_error([&] { read_npy_header(source); }, Status::format, "v4.npy", "version 4.0");
}

TEST_CASE("npy header: bad magic, truncation and a huge header length are rejected") {
  std::string not_npy("\x93NUMPX\x01\x00\x10\x00", 10);
  MemorySource bad(not_npy.data(), not_npy.size(), "bad.npy");
  check_error([&] { read_npy_header(bad); }, Status::format, "bad.npy", "bad magic");

  std::string whole = npy_with_dict("{'descr': '|u1', 'fortran_order': False, 'shape': (2,)}\n", 1);
  for (size_t cut : {size_t{3}, size_t{9}, whole.size() - 5}) {
    std::string part = whole.substr(0, cut);
    MemorySource source(part.data(), part.size(), "cut.npy");
    check_error([&] { read_npy_header(source); }, Status::format, "cut.npy", "truncated");
  }

  std::string huge = std::string("\x93NUMPY\x02\x00", 8) + std::string("\xff\xff\xff\x7f", 4);
  MemorySource source(huge.data(), huge.size(), "huge.npy");
  check_error([&] { read_npy_header(source); }, Status::format, "huge.npy", "header length");
}

TEST_CASE("npy header: a declared size over max_bytes is a limit error naming the limit") {
  NpyHeader h = parse("{'descr': '|u1', 'fortran_order': False, 'shape': (1000, 28, 28)}\n");
  CHECK_NOTHROW(kcell::io::check_npy_limit(h, 784000, "x.npy"));
  check_error([&] { kcell::io::check_npy_limit(h, 783999, "x.npy"); }, Status::limit, "x.npy",
              "784000 bytes", "783999", "max_bytes");
}
