// Reading PNG files (libpng's simplified API) into 8-bit grey or RGB images, and encoding
// such images as PNG.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pixels.hpp"

namespace kcell_cli {

// Whether the file starts with the PNG signature (false if it cannot be read).
bool looks_like_png(const std::string& path);

// Reads `path` as grey (for grey files) or RGB (for colour and palette files), 8 bits per
// channel: 16-bit samples are scaled, transparent pixels are composited onto black. The
// image must be `height` × `width` pixels; its size is checked before any pixel is
// decoded. Throws Failure with one line naming the file.
Image8 read_png(const std::string& path, int height, int width);

// The PNG file of a grey or RGB image, in memory. Throws Failure if libpng fails.
std::vector<uint8_t> encode_png(const Image8& image);

}  // namespace kcell_cli
