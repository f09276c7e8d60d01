// Every malformed or hostile .npz / .npy file is refused with a status and a message that
// names the member and the problem.
#include <doctest/doctest.h>

#include "test_data_support.hpp"

using kcell::Status;
using namespace kcell::test;

namespace {

void check_rejected(const char* fixture, Status status, std::initializer_list<const char*> parts) {
  INFO("fixture: " << std::string(fixture));
  try {
    open_fixture(fixture);
    FAIL("opening " << std::string(fixture) << " succeeded");
  } catch (const kcell::Error& e) {
    INFO("message: " << std::string(e.what()));
    CHECK(static_cast<int>(e.status()) == static_cast<int>(status));
    std::string message = e.what();
    CHECK(message.find(fixture) != std::string::npos);  // the file is named
    for (const char* part : parts)
      CHECK_MESSAGE(message.find(part) != std::string::npos, std::string(part));
  }
}

}  // namespace

TEST_CASE("npz images that are not uint8 are rejected with a format error") {
  check_rejected("bad_image_dtype.npz", Status::format, {"train_images.npy", "'<u2'", "uint8"});
}

TEST_CASE("npz with a fortran_order array is rejected with a format error") {
  check_rejected("fortran_order.npz", Status::format, {"val_images.npy", "fortran_order"});
}

TEST_CASE("npz whose label count differs from its image count is rejected") {
  check_rejected("label_count_mismatch.npz", Status::format,
                 {"val_labels.npy", "3 labels for 4 images"});
}

TEST_CASE("npz with a negative label is rejected naming the member and index") {
  check_rejected("negative_label.npz", Status::format,
                 {"test_labels.npy", "negative label -1", "index 2"});
}

TEST_CASE("npz with a label too large for a class index is rejected") {
  check_rejected("label_too_large.npz", Status::format,
                 {"train_labels.npy", "1099511627776", "index 1"});
}

TEST_CASE("npz missing a split member is rejected naming the member") {
  check_rejected("missing_split.npz", Status::format, {"missing member val_labels.npy"});
}

TEST_CASE("npz whose splits have different label widths is rejected") {
  // (12, 14) training labels are multi-label; the validation split's (4, 1) are not.
  check_rejected("multilabel.npz", Status::format,
                 {"val_labels.npy", "1 label(s) per image", "another split has 14"});
}

TEST_CASE("npz with float labels is rejected") {
  check_rejected("float_labels.npz", Status::format, {"test_labels.npy", "'<f4'", "integer"});
}

TEST_CASE("npz whose splits have different image shapes is rejected") {
  check_rejected("split_shapes_differ.npz", Status::format,
                 {"test_images.npy", "(6, 6, 6)", "do not match", "(12, 6, 5)"});
}

TEST_CASE("a truncated npz is rejected") {
  check_rejected("truncated.npz", Status::format, {"not a readable zip"});
}

TEST_CASE("npz member with more payload than its .npy header declares is rejected unread") {
  check_rejected("overlong_member.npz", Status::format,
                 {"train_images.npy", "needs 360 bytes but 370 are stored"});
}

TEST_CASE("npz member with less payload than its .npy header declares is rejected") {
  check_rejected("short_member.npz", Status::format,
                 {"train_images.npy", "needs 360 bytes but 350 are stored"});
}

TEST_CASE("npz member with a corrupted payload fails its CRC check") {
  check_rejected("bad_crc.npz", Status::format, {"train_images.npy", "CRC"});
}

TEST_CASE("npz member compressed with an unsupported method is rejected") {
  check_rejected("bzip2_member.npz", Status::format, {"train_images.npy", "method 12"});
}

TEST_CASE("npz member declaring a huge shape is a limit error, not an allocation") {
  check_rejected("huge_shape.npz", Status::limit,
                 {"train_images.npy", "(100000000, 28, 28)", "78400000000", "max_bytes"});
}

TEST_CASE("npz member declaring a huge shape under a raised limit is refused by size checks") {
  kcell::data::OpenOptions options;
  options.max_bytes = UINT64_MAX;
  check_error([&] { open_fixture("huge_shape.npz", options); }, Status::format, "train_images.npy",
              "needs 78400000000 bytes but 16 are stored");
}

TEST_CASE("npy declaring a huge shape is a limit error") {
  check_rejected("huge_shape.npy", Status::limit, {"78400000000", "max_bytes"});
}

TEST_CASE("npy whose shape product overflows 64 bits is rejected") {
  check_rejected("shape_overflow.npy", Status::format, {"more elements than fit in 64 bits"});
}

TEST_CASE("npy with a malformed header dictionary is rejected") {
  check_rejected("malformed_header.npy", Status::format, {"malformed .npy header", "'shape'"});
}

TEST_CASE("a truncated npy is rejected as shape vs bytes mismatch") {
  check_rejected("truncated.npy", Status::format, {"needs 180 bytes but 173 are stored"});
}

TEST_CASE("npy with bytes after its data is rejected") {
  check_rejected("extra_bytes.npy", Status::format, {"needs 180 bytes but 183 are stored"});
}

TEST_CASE("npy image stack that is not uint8 is rejected") {
  check_rejected("float_stack.npy", Status::format, {"'<f4'", "uint8"});
}

TEST_CASE("files that are no known format, and empty files, are rejected") {
  check_rejected("not_data.txt", Status::format, {"not a .npz, .npy or IDX file"});
  check_rejected("empty.bin", Status::format, {"empty"});
}

TEST_CASE("a missing path is an io error") {
  check_error([] { open_fixture("no_such_file.npz"); }, Status::io, "no_such_file.npz");
}
