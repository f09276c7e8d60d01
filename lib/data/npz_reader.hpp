// MedMNIST .npz archives: train/val/test images and labels.
#pragma once

#include <string>

#include "data/dataset.hpp"

namespace kcell::data {

// Reads a MedMNIST .npz (members train_images, train_labels, val_images, val_labels,
// test_images, test_labels, each .npy, stored or deflated). Every header is checked
// before any array is allocated. Throws kcell::Error naming the member and the problem.
Dataset read_medmnist_npz(const std::string& path, const OpenOptions& options);

}  // namespace kcell::data
