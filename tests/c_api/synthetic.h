/* Synthetic labelled images for the C API tests: small networks learn them in an epoch or
 * two, and every test builds them the same way. */
#ifndef KCELL_TESTS_C_API_SYNTHETIC_H
#define KCELL_TESTS_C_API_SYNTHETIC_H

#include <kcell/kcell.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* Labels cycle 0, 1, ..., classes - 1 (labels may be NULL); class k is brighter than class
 * k - 1, with a pseudo-random texture that `seed` fixes. */
static inline void fill_synthetic(uint8_t* images, int32_t* labels, size_t count, size_t pixels,
                                  int classes, unsigned seed) {
  const int step = classes > 1 ? 110 / (classes - 1) : 0;
  unsigned state = seed;
  size_t i, p;
  for (i = 0; i < count; ++i) {
    const int label = (int)(i % (size_t)classes);
    if (labels) labels[i] = label;
    for (p = 0; p < pixels; ++p) {
      state = state * 1103515245u + 12345u;
      images[i * pixels + p] = (uint8_t)(40 + label * step + (int)((state >> 16) % 60));
    }
  }
}

/* Fills one split of `count` single-channel images of `pixels` each (the caller's buffers). */
static inline kcell_split_buffers synthetic_split(uint8_t* images, int32_t* labels, size_t count,
                                                  size_t pixels, int classes, unsigned seed) {
  kcell_split_buffers split;
  fill_synthetic(images, labels, count, pixels, classes, seed);
  split.images = images;
  split.labels = labels;
  split.count = count;
  return split;
}

/* A side × side grey dataset with n_train training and n_val validation images (seeds 1
 * and 2: fill_synthetic(..., 2u) gives the validation images again), or NULL. */
static inline kcell_dataset* synthetic_dataset(int side, int classes, size_t n_train,
                                               size_t n_val) {
  const size_t pixels = (size_t)side * (size_t)side;
  uint8_t* images = (uint8_t*)malloc((n_train + n_val) * pixels);
  int32_t* labels = (int32_t*)malloc((n_train + n_val) * sizeof *labels);
  kcell_dataset* data = NULL;
  if (images && labels) {
    kcell_split_buffers train = synthetic_split(images, labels, n_train, pixels, classes, 1u);
    kcell_split_buffers val =
        synthetic_split(images + n_train * pixels, labels + n_train, n_val, pixels, classes, 2u);
    if (kcell_dataset_create(1, side, side, classes, &train, &val, NULL, &data) != KCELL_OK)
      data = NULL;
  }
  free(images);
  free(labels);
  return data;
}

#endif
