// Which reader a path needs, decided from its content rather than its name.
#pragma once

#include <string>

namespace kcell::data {

enum class DataFormat {
  npz,           // a zip archive (MedMNIST .npz)
  npy,           // a single .npy array, possibly gzip-compressed
  idx_images,    // a single IDX image file, possibly gzip-compressed
  idx_folder,    // a folder of MNIST-style IDX files
  image_folder,  // a folder of PNG images: train/CLASS/*.png, val/..., test/...
};

// Looks at the path: a folder with a train/, val/ or test/ subfolder is an image folder,
// another folder an IDX folder; a file is identified by its first bytes
// (after gzip decompression if it is gzip). Throws an io error for a missing path and a
// format error for content no reader knows.
DataFormat detect_format(const std::string& path);

}  // namespace kcell::data
