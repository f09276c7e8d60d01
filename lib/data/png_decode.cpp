#include "data/png_decode.hpp"

#include <png.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "common/error.hpp"

namespace kcell::data {
namespace {

// A png_image that is released on every way out of a scope.
struct PngReader {
  png_image image{};
  std::FILE* file = nullptr;

  PngReader() { image.version = PNG_IMAGE_VERSION; }
  ~PngReader() {
    png_image_free(&image);
    if (file) std::fclose(file);
  }
  PngReader(const PngReader&) = delete;
  PngReader& operator=(const PngReader&) = delete;

  // Opens the file and reads its header. The file is opened here rather than by libpng
  // so that "cannot open" (an io error, with errno's reason) and "not a PNG" differ.
  void begin(const std::string& path) {
    const std::string& name = path;
    file = std::fopen(path.c_str(), "rb");
    if (!file) fail(Status::io, name + ": cannot open: " + std::strerror(errno));
    png_byte signature[8];
    if (std::fread(signature, 1, sizeof signature, file) != sizeof signature ||
        png_sig_cmp(signature, 0, sizeof signature) != 0)
      fail(Status::format, name + ": not a PNG file (kcell reads PNG images only)");
    std::rewind(file);
    if (!png_image_begin_read_from_stdio(&image, file))
      fail(Status::format, name + ": a corrupt or truncated PNG (" + image.message + ")");
  }

  PngShape shape() const {
    return {(image.format & PNG_FORMAT_FLAG_COLOR) ? 3 : 1, static_cast<int>(image.height),
            static_cast<int>(image.width)};
  }
};

std::string channels_text(int channels) { return channels == 3 ? "RGB" : "grey"; }

}  // namespace

PngShape read_png_shape(const std::string& path) {
  PngReader reader;
  reader.begin(path);
  const PngShape shape = reader.shape();
  if (shape.height <= 0 || shape.width <= 0) fail(Status::format, path + ": the PNG has no pixels");
  return shape;
}

void decode_png(const std::string& path, const PngShape& expected, const std::string& first,
                uint8_t* chw) {
  const std::string& name = path;
  PngReader reader;
  reader.begin(path);
  const PngShape shape = reader.shape();
  if (shape.height != expected.height || shape.width != expected.width) {
    fail(Status::format, name + ": the image is " + std::to_string(shape.width) + "×" +
                             std::to_string(shape.height) + " pixels but " + first + " is " +
                             std::to_string(expected.width) + "×" +
                             std::to_string(expected.height) +
                             "; all images must have one size (kcell does not resize them)");
  }
  if (shape.channels != expected.channels) {
    fail(Status::format, name + ": the image is " + channels_text(shape.channels) + " but " +
                             first + " is " + channels_text(expected.channels) +
                             "; all images must be grey or all RGB");
  }
  // 16-bit files without gamma information hold sRGB values, like 8-bit ones: scale them
  // instead of treating them as linear light (as `kcell predict` reads PNGs).
  reader.image.flags |= PNG_IMAGE_FLAG_16BIT_sRGB;
  reader.image.format = shape.channels == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
  const size_t plane = static_cast<size_t>(shape.height) * static_cast<size_t>(shape.width);
  const auto channels = static_cast<size_t>(shape.channels);
  if (channels == 1) {
    std::memset(chw, 0, plane);  // transparent pixels on black
    if (!png_image_finish_read(&reader.image, nullptr, chw, 0, nullptr))
      fail(Status::format, name + ": corrupt or truncated PNG (" + reader.image.message + ")");
    return;
  }
  std::vector<uint8_t> interleaved(plane * channels, 0);
  if (!png_image_finish_read(&reader.image, nullptr, interleaved.data(), 0, nullptr))
    fail(Status::format, name + ": corrupt or truncated PNG (" + reader.image.message + ")");
  for (size_t c = 0; c < channels; ++c)
    for (size_t i = 0; i < plane; ++i) chw[c * plane + i] = interleaved[i * channels + c];
}

}  // namespace kcell::data
