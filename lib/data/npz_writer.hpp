// Writing a dataset as a MedMNIST-layout .npz, which numpy.load and kcell read.
#pragma once

#include <string>

#include "data/dataset.hpp"

namespace kcell::data {

// Writes the present splits of `dataset` to `path` as members train_images.npy,
// train_labels.npy, val_... and test_... (stored, as numpy.savez does): images uint8
// (N, H, W) for grey and (N, H, W, 3) for RGB, labels (N, 1) uint8 (int32 when there are
// more than 256 classes) or, multi-label, (N, L) uint8 of 0 / 1, as MedMNIST's files hold them. The
// archive is built in memory and then written atomically (the file is never seen half-written).
// Throws invalid_argument for an unlabelled split (labels -1: there is nothing to write as a
// label), io on write errors.
void write_medmnist_npz(const Dataset& dataset, const std::string& path);

}  // namespace kcell::data
