// Strict parsing of the .npy header: magic, version (1.0, 2.0, 3.0), and the header
// dictionary {'descr': ..., 'fortran_order': ..., 'shape': (...)}, with overflow-checked
// size arithmetic. Spec: numpy.lib.format (NEP 1).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "io/byte_source.hpp"

namespace kcell::io {

struct NpyDtype {
  std::string descr;        // as written, e.g. "<u1", ">i8"
  char kind = 0;            // 'u' unsigned, 'i' signed, 'f' float, 'b' bool
  int item_size = 0;        // bytes per element: 1, 2, 4 or 8
  bool big_endian = false;  // byte order of multi-byte elements

  bool is_integer() const { return kind == 'u' || kind == 'i'; }
};

struct NpyHeader {
  int major_version = 0;
  int minor_version = 0;
  NpyDtype dtype;
  bool fortran_order = false;
  std::vector<uint64_t> shape;
  uint64_t element_count = 0;  // product of the shape
  uint64_t payload_bytes = 0;  // element_count * item size
};

// The first bytes of every .npy file.
inline constexpr char kNpyMagic[] = "\x93NUMPY";
inline constexpr size_t kNpyMagicSize = 6;

// Parses the header dictionary text (everything after the length field, up to and
// including the final newline). Throws a format error that starts with `where`.
NpyHeader parse_npy_header_dict(const std::string& text, const std::string& where);

// Reads and parses a whole .npy header from the start of `source`, leaving it positioned
// at the first payload byte. Errors name source.name().
NpyHeader read_npy_header(ByteSource& source);

// Throws a limit error if the array declares more than max_bytes of data.
void check_npy_limit(const NpyHeader& header, uint64_t max_bytes, const std::string& where);

// "(165466, 28, 28)" — a shape as numpy prints it.
std::string shape_string(const std::vector<uint64_t>& shape);

}  // namespace kcell::io
