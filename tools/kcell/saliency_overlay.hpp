// Pictures of saliency maps: an image beside itself with its map laid over it as a heat
// colour scale, for `kcell explain` and the report's gallery.
#pragma once

#include <cstddef>
#include <cstdint>

#include "pixels.hpp"

namespace kcell_cli {

// The C×H×W image at `pixels` (1 or 3 channels) and its H×W map side by side, as one RGB
// image enlarged by a whole factor (nearest pixel) to at least `min_side` pixels high. The
// map is scaled by its own maximum (an all-zero map leaves the image as it is) and blended
// over the grey image: transparent where it is 0, strongest red where it is largest.
Image8 saliency_overlay(const uint8_t* pixels, int channels, int height, int width,
                        const float* map, int min_side = 112);

}  // namespace kcell_cli
