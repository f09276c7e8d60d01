// Decoding one PNG file (libpng's simplified API) into 8-bit grey or RGB planes.
#pragma once

#include <cstdint>
#include <string>

namespace kcell::data {

// A PNG's size and whether kcell reads it as grey (1) or RGB (3): colour and colour-palette
// files are RGB, grey files grey; an alpha channel is composited onto black.
struct PngShape {
  int channels = 0;
  int height = 0;
  int width = 0;
};

// Reads the header of the PNG at `path`. Throws a format error naming it when it is not a
// readable PNG, an io error when it cannot be opened.
PngShape read_png_shape(const std::string& path);

// Decodes the PNG at `path` into `chw` (channels × height × width bytes, planar), after
// checking that its shape is `expected`: a different size or channel count is a format
// error naming the file and, as `first`, the file the expected shape came from (kcell does
// not resize or convert). 16-bit samples are scaled to 8 bits as sRGB values. A truncated
// or corrupt file is a format error naming it.
void decode_png(const std::string& path, const PngShape& expected, const std::string& first,
                uint8_t* chw);

}  // namespace kcell::data
