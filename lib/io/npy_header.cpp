#include "io/npy_header.hpp"

#include <cstring>

#include "common/error.hpp"
#include "io/printable.hpp"

namespace kcell::io {
namespace {

// numpy refuses headers over 10000 bytes by default; anything near 1 MiB is hostile.
constexpr uint32_t kMaxHeaderLength = 1u << 20;
constexpr size_t kMaxDims = 32;  // NPY_MAXDIMS

// A tiny strict reader of the Python literal numpy writes: a dict with string keys whose
// values are strings, True/False or tuples of non-negative integers.
class DictParser {
 public:
  DictParser(const std::string& text, const std::string& where) : text_(text), where_(where) {}

  NpyHeader parse() {
    NpyHeader header;
    bool have_descr = false, have_order = false, have_shape = false;
    expect('{');
    skip_space();
    while (peek() != '}') {
      std::string key = parse_string("a key");
      expect(':');
      if (key == "descr") {
        if (have_descr) error("key 'descr' appears twice");
        skip_space();
        if (peek() != '\'' && peek() != '"')
          error("'descr' is not a string; structured dtypes are not supported");
        header.dtype = parse_descr(parse_string("'descr'"));
        have_descr = true;
      } else if (key == "fortran_order") {
        if (have_order) error("key 'fortran_order' appears twice");
        header.fortran_order = parse_bool();
        have_order = true;
      } else if (key == "shape") {
        if (have_shape) error("key 'shape' appears twice");
        header.shape = parse_shape();
        have_shape = true;
      } else {
        error("unexpected key '" + printable(key) + "'");
      }
      skip_space();
      if (peek() == ',') {
        ++pos_;
        skip_space();
      } else if (peek() != '}') {
        error("expected ',' or '}' after the value of '" + printable(key) + "'");
      }
    }
    ++pos_;  // '}'
    if (!have_descr) error("key 'descr' is missing");
    if (!have_order) error("key 'fortran_order' is missing");
    if (!have_shape) error("key 'shape' is missing");
    skip_space();
    if (pos_ != text_.size()) error("unexpected text after the header dictionary");
    if (text_.empty() || text_.back() != '\n') error("header does not end with a newline");
    compute_sizes(header);
    return header;
  }

 private:
  [[noreturn]] void error(const std::string& problem) const {
    fail(Status::format, where_ + ": malformed .npy header: " + problem);
  }

  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }

  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n' ||
                                   text_[pos_] == '\t' || text_[pos_] == '\r'))
      ++pos_;
  }

  void expect(char c) {
    skip_space();
    if (peek() != c) error(std::string("expected '") + c + "'");
    ++pos_;
  }

  std::string parse_string(const char* what) {
    skip_space();
    char quote = peek();
    if (quote != '\'' && quote != '"') error(std::string("expected a string for ") + what);
    size_t end = text_.find(quote, pos_ + 1);
    if (end == std::string::npos) error(std::string("unterminated string for ") + what);
    std::string value = text_.substr(pos_ + 1, end - pos_ - 1);
    if (value.find('\\') != std::string::npos || value.find('\n') != std::string::npos)
      error(std::string("unsupported escape or newline in ") + what);
    pos_ = end + 1;
    return value;
  }

  bool parse_bool() {
    skip_space();
    if (text_.compare(pos_, 4, "True") == 0) {
      pos_ += 4;
      return true;
    }
    if (text_.compare(pos_, 5, "False") == 0) {
      pos_ += 5;
      return false;
    }
    error("'fortran_order' is not True or False");
  }

  uint64_t parse_dimension() {
    skip_space();
    if (peek() == '-') error("'shape' has a negative dimension");
    if (peek() < '0' || peek() > '9') error("'shape' is not a tuple of integers");
    if (peek() == '0' && pos_ + 1 < text_.size() && text_[pos_ + 1] >= '0' &&
        text_[pos_ + 1] <= '9')
      error("'shape' has a dimension with a leading zero");
    uint64_t value = 0;
    while (peek() >= '0' && peek() <= '9') {
      uint64_t digit = static_cast<uint64_t>(peek() - '0');
      if (value > (UINT64_MAX - digit) / 10) error("'shape' has a dimension too large for 64 bits");
      value = value * 10 + digit;
      ++pos_;
    }
    return value;
  }

  std::vector<uint64_t> parse_shape() {
    expect('(');
    std::vector<uint64_t> shape;
    skip_space();
    if (peek() == ')') {
      ++pos_;
      return shape;  // a 0-d array
    }
    bool trailing_comma = false;
    while (true) {
      if (shape.size() == kMaxDims) error("'shape' has more than 32 dimensions");
      shape.push_back(parse_dimension());
      skip_space();
      trailing_comma = false;
      if (peek() == ',') {
        ++pos_;
        trailing_comma = true;
        skip_space();
      }
      if (peek() == ')') break;
      if (!trailing_comma) error("expected ',' or ')' in 'shape'");
    }
    ++pos_;
    // (5) is the integer 5 in Python, not a tuple.
    if (shape.size() == 1 && !trailing_comma) error("'shape' is not a tuple");
    return shape;
  }

  NpyDtype parse_descr(const std::string& descr) {
    NpyDtype dtype;
    dtype.descr = descr;
    auto unsupported = [&] { error("unsupported dtype '" + printable(descr) + "'"); };
    if (descr.size() < 3) unsupported();
    char order = descr[0];
    dtype.kind = descr[1];
    std::string digits = descr.substr(2);
    if (digits == "1")
      dtype.item_size = 1;
    else if (digits == "2")
      dtype.item_size = 2;
    else if (digits == "4")
      dtype.item_size = 4;
    else if (digits == "8")
      dtype.item_size = 8;
    else
      unsupported();
    bool kind_ok = dtype.kind == 'u' || dtype.kind == 'i' ||
                   (dtype.kind == 'f' && dtype.item_size >= 2) ||
                   (dtype.kind == 'b' && dtype.item_size == 1);
    if (!kind_ok) unsupported();
    switch (order) {
      case '<':
        dtype.big_endian = false;
        break;
      case '>':
        dtype.big_endian = true;
        break;
      case '=':
        dtype.big_endian = __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__;
        break;
      case '|':
        if (dtype.item_size != 1) error("dtype '" + descr + "' has no byte order");
        break;
      default:
        unsupported();
    }
    return dtype;
  }

  void compute_sizes(NpyHeader& header) const {
    uint64_t count = 1;
    for (uint64_t dim : header.shape) {
      if (__builtin_mul_overflow(count, dim, &count))
        error("shape " + shape_string(header.shape) + " has more elements than fit in 64 bits");
    }
    uint64_t bytes = 0;
    if (__builtin_mul_overflow(count, static_cast<uint64_t>(header.dtype.item_size), &bytes))
      error("shape " + shape_string(header.shape) + " of " + header.dtype.descr +
            " has more bytes than fit in 64 bits");
    header.element_count = count;
    header.payload_bytes = bytes;
  }

  const std::string& text_;
  const std::string& where_;
  size_t pos_ = 0;
};

uint32_t little_endian(const uint8_t* bytes, int n) {
  uint32_t value = 0;
  for (int i = n - 1; i >= 0; --i) value = (value << 8) | bytes[i];
  return value;
}

}  // namespace

std::string shape_string(const std::vector<uint64_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  if (shape.size() == 1) s += ",";
  return s + ")";
}

NpyHeader parse_npy_header_dict(const std::string& text, const std::string& where) {
  return DictParser(text, where).parse();
}

NpyHeader read_npy_header(ByteSource& source) {
  uint8_t prefix[kNpyMagicSize + 2];
  read_exact(source, prefix, sizeof prefix, "the .npy magic and version");
  if (std::memcmp(prefix, kNpyMagic, kNpyMagicSize) != 0)
    fail(Status::format, source.name() + ": not a .npy array (bad magic bytes)");
  int major = prefix[kNpyMagicSize], minor = prefix[kNpyMagicSize + 1];
  if (!((major == 1 || major == 2 || major == 3) && minor == 0)) {
    fail(Status::format, source.name() + ": unsupported .npy format version " +
                             std::to_string(major) + "." + std::to_string(minor) +
                             " (1.0, 2.0 and 3.0 are supported)");
  }
  // Version 1.0 stores the header length in 2 bytes, later versions in 4.
  uint8_t length_bytes[4] = {0, 0, 0, 0};
  int length_size = major == 1 ? 2 : 4;
  read_exact(source, length_bytes, static_cast<size_t>(length_size), "the .npy header length");
  uint32_t length = little_endian(length_bytes, length_size);
  if (length > kMaxHeaderLength) {
    fail(Status::format, source.name() + ": .npy header length " + std::to_string(length) +
                             " is implausibly large");
  }
  std::string text(length, '\0');
  read_exact(source, text.data(), length, "the .npy header");
  NpyHeader header = parse_npy_header_dict(text, source.name());
  header.major_version = major;
  header.minor_version = minor;
  return header;
}

void check_npy_limit(const NpyHeader& header, uint64_t max_bytes, const std::string& where) {
  if (header.payload_bytes > max_bytes) {
    fail(Status::limit, where + ": array of shape " + shape_string(header.shape) + " and dtype '" +
                            header.dtype.descr + "' declares " +
                            std::to_string(header.payload_bytes) + " bytes, over the limit of " +
                            std::to_string(max_bytes) + " (raise max_bytes to allow it)");
  }
}

}  // namespace kcell::io
