// A single .npy image stack, for predicting on a batch of images.
#pragma once

#include <string>

#include "data/dataset.hpp"

namespace kcell::data {

// Reads one uint8 .npy array (N,H,W) or (N,H,W,C), plain or gzip-compressed, as an
// unlabelled test split (labels -1, num_classes 0).
Dataset read_npy_stack(const std::string& path, const OpenOptions& options);

}  // namespace kcell::data
