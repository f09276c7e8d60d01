// Small synthetic datasets shared by the training-loop tests.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/rng.hpp"
#include "data/dataset.hpp"

namespace kcell_test {

// 1×8×8 images in 3 classes whose brightness tells the class, with random texture. With
// `noisy_val_labels` the validation labels are noise instead, so validation loss rises as
// the training split is memorised.
inline kcell::data::Dataset make_train_dataset(size_t train, size_t val, uint64_t seed,
                                               bool noisy_val_labels = false) {
  kcell::data::Dataset d;
  d.channels = 1;
  d.height = 8;
  d.width = 8;
  d.num_classes = 3;
  kcell::SplitMix64 rng(seed);
  const size_t counts[2] = {train, val};
  for (int s = 0; s < 2; ++s) {
    kcell::data::Split& split = d.splits[static_cast<size_t>(s)];
    split.count = counts[s];
    for (size_t i = 0; i < split.count; ++i) {
      const int32_t label = static_cast<int32_t>(rng.below(3));
      for (int p = 0; p < 64; ++p)
        split.images.push_back(static_cast<uint8_t>(label * 80 + rng.below(90)));
      split.labels.push_back(s == 1 && noisy_val_labels ? static_cast<int32_t>(rng.below(3))
                                                        : label);
    }
  }
  return d;
}

}  // namespace kcell_test
