// MNIST-style folders of IDX files, and single IDX image files.
#pragma once

#include <string>

#include "data/dataset.hpp"

namespace kcell::data {

// Reads a folder holding train-images-idx3-ubyte, train-labels-idx1-ubyte,
// t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (each optionally .gz). The test split
// comes from t10k; the last options.val_fraction of train becomes the validation split.
Dataset read_idx_folder(const std::string& folder, const OpenOptions& options);

// Reads one IDX image file (N x H x W unsigned bytes) as an unlabelled test split.
Dataset read_idx_image_file(const std::string& path, const OpenOptions& options);

}  // namespace kcell::data
