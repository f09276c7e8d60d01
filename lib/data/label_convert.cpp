#include "data/label_convert.hpp"

#include "common/error.hpp"

namespace kcell::data {
namespace {

uint64_t load_unsigned(const uint8_t* p, int size, bool big_endian) {
  uint64_t value = 0;
  for (int i = 0; i < size; ++i) {
    int byte = big_endian ? i : size - 1 - i;
    value = (value << 8) | p[byte];
  }
  return value;
}

// Sign-extends the low `size` bytes of `bits`.
int64_t to_signed(uint64_t bits, int size) {
  if (size == 8) return static_cast<int64_t>(bits);
  uint64_t sign = uint64_t{1} << (size * 8 - 1);
  int64_t magnitude = static_cast<int64_t>(bits & (sign - 1));
  return (bits & sign) ? magnitude - static_cast<int64_t>(sign) : magnitude;
}

}  // namespace

void convert_labels(const uint8_t* raw, size_t count, const io::NpyDtype& dtype, int32_t* out,
                    const std::string& where) {
  if (!dtype.is_integer()) {
    fail(Status::format,
         where + ": labels have dtype '" + dtype.descr + "'; an integer dtype is required");
  }
  const int size = dtype.item_size;
  const bool is_signed = dtype.kind == 'i';
  for (size_t i = 0; i < count; ++i) {
    uint64_t bits = load_unsigned(raw + i * static_cast<size_t>(size), size, dtype.big_endian);
    if (is_signed && to_signed(bits, size) < 0) {
      fail(Status::format, where + ": negative label " + std::to_string(to_signed(bits, size)) +
                               " at index " + std::to_string(i));
    }
    // A non-negative value has the same bits whether the dtype is signed or not.
    if (bits > static_cast<uint64_t>(kMaxLabel)) {
      fail(Status::format, where + ": label " + std::to_string(bits) + " at index " +
                               std::to_string(i) + " is above the largest class index (" +
                               std::to_string(kMaxLabel) + ") kcell supports");
    }
    out[i] = static_cast<int32_t>(bits);
  }
}

}  // namespace kcell::data
