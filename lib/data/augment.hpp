// On-the-fly training augmentation of one image: flips, quarter turns, small rotations,
// shifts, brightness / contrast jitter and random erasing. Works on floats in [0, 1]
// (before normalisation) so that the strengths mean the same for every dataset.
#pragma once

#include <cstdint>

namespace kcell::data {

struct AugmentOptions {
  float hflip = 0.f;             // probability of a left-right flip
  float vflip = 0.f;             // probability of an up-down flip
  float rot90 = 0.f;             // probability of a turn by 90, 180 or 270 degrees (square
                                 // images; otherwise only 180)
  float rotate = 0.f;            // probability of a small rotation ...
  float rotate_degrees = 0.f;    // ... by an angle uniform in ±rotate_degrees (bilinear)
  int shift = 0;                 // shift by up to ±shift pixels on each axis, zero fill
  float brightness = 0.f;        // add a value uniform in ±brightness
  float contrast = 0.f;          // scale about the image mean by 1 ± contrast
  float erase = 0.f;             // probability of zeroing one random rectangle ...
  float erase_max_area = 0.25f;  // ... covering up to this fraction of the image

  bool any() const;
};

// Applies one random draw of the enabled augmentations to `image` (c×h×w floats, in
// place). The draw depends only on `seed`, so batches are reproducible whatever the
// thread count. `scratch` holds at least c×h×w floats. Values are clamped to [0, 1].
void augment_image(float* image, int c, int h, int w, const AugmentOptions& options, uint64_t seed,
                   float* scratch);

// The single transforms, exposed for tests and reuse. All are in place on c×h×w floats;
// the geometric ones need `scratch` of c×h×w floats.
void flip_horizontal(float* image, int c, int h, int w);
void flip_vertical(float* image, int c, int h, int w);
void rotate_quarter_turns(float* image, int c, int h, int w, int turns, float* scratch);
// Positive degrees turn clockwise as the image is displayed (row 0 at the top);
// rotate_quarter_turns turns counter-clockwise, like numpy.rot90.
void rotate_degrees(float* image, int c, int h, int w, float degrees, float* scratch);
void shift_image(float* image, int c, int h, int w, int dx, int dy, float* scratch);
void erase_rect(float* image, int c, int h, int w, int x0, int y0, int rw, int rh);

}  // namespace kcell::data
