#include "png_image.hpp"

#include <png.h>

#include <cstdio>
#include <cstring>

#include "common.hpp"

namespace kcell_cli {

bool looks_like_png(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) return false;
  unsigned char signature[8];
  const size_t got = std::fread(signature, 1, sizeof signature, file);
  std::fclose(file);
  return got == sizeof signature && png_sig_cmp(signature, 0, sizeof signature) == 0;
}

Image8 read_png(const std::string& path, int height, int width) {
  png_image png;
  std::memset(&png, 0, sizeof png);
  png.version = PNG_IMAGE_VERSION;
  // Failing calls free what they allocated; png_image_free covers the size-check exit.
  if (!png_image_begin_read_from_file(&png, path.c_str()))
    throw Failure(path + ": not a readable PNG (" + png.message + ")");
  if (static_cast<int>(png.height) != height || static_cast<int>(png.width) != width) {
    png_image_free(&png);
    throw Failure(path + ": the image is " + std::to_string(png.width) + "×" +
                  std::to_string(png.height) + " pixels; the model takes " + std::to_string(width) +
                  "×" + std::to_string(height) + " (resize it first; kcell does not resample)");
  }
  Image8 image;
  image.channels = (png.format & PNG_FORMAT_FLAG_COLOR) ? 3 : 1;
  image.height = height;
  image.width = width;
  // 16-bit files without gamma information hold sRGB values, like 8-bit ones: scale them
  // instead of treating them as linear light.
  png.flags |= PNG_IMAGE_FLAG_16BIT_sRGB;
  png.format = image.channels == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
  const size_t plane = static_cast<size_t>(height) * static_cast<size_t>(width);
  std::vector<uint8_t> interleaved(plane * static_cast<size_t>(image.channels), 0);  // black
  if (!png_image_finish_read(&png, nullptr, interleaved.data(), 0, nullptr))
    throw Failure(path + ": corrupt PNG (" + png.message + ")");
  image.pixels.resize(interleaved.size());
  for (size_t i = 0; i < plane; ++i)
    for (int c = 0; c < image.channels; ++c)
      image.pixels[static_cast<size_t>(c) * plane + i] =
          interleaved[i * static_cast<size_t>(image.channels) + static_cast<size_t>(c)];
  return image;
}

std::vector<uint8_t> encode_png(const Image8& image) {
  const size_t plane = static_cast<size_t>(image.height) * static_cast<size_t>(image.width);
  const size_t channels = static_cast<size_t>(image.channels);
  std::vector<uint8_t> interleaved(plane * channels);
  for (size_t i = 0; i < plane; ++i)
    for (size_t c = 0; c < channels; ++c)
      interleaved[i * channels + c] = image.pixels[c * plane + i];
  png_image png;
  std::memset(&png, 0, sizeof png);
  png.version = PNG_IMAGE_VERSION;
  png.width = static_cast<png_uint_32>(image.width);
  png.height = static_cast<png_uint_32>(image.height);
  png.format = image.channels == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
  // First the size, then the bytes (libpng's two-call protocol).
  png_alloc_size_t size = 0;
  if (!png_image_write_to_memory(&png, nullptr, &size, 0, interleaved.data(), 0, nullptr))
    throw Failure(std::string("cannot encode a PNG (") + png.message + ")");
  std::vector<uint8_t> bytes(size);
  if (!png_image_write_to_memory(&png, bytes.data(), &size, 0, interleaved.data(), 0, nullptr))
    throw Failure(std::string("cannot encode a PNG (") + png.message + ")");
  bytes.resize(size);
  return bytes;
}

}  // namespace kcell_cli
