// Reading PNG files (libpng's simplified API) into 8-bit grey or RGB images.
#pragma once

#include <string>

#include "pixels.hpp"

namespace kcell_cli {

// Whether the file starts with the PNG signature (false if it cannot be read).
bool looks_like_png(const std::string& path);

// Reads `path` as grey (for grey files) or RGB (for colour and palette files), 8 bits per
// channel: 16-bit samples are scaled, transparent pixels are composited onto black. The
// image must be `height` × `width` pixels; its size is checked before any pixel is
// decoded. Throws Failure with one line naming the file.
Image8 read_png(const std::string& path, int height, int width);

}  // namespace kcell_cli
