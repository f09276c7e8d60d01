// The INPUT arguments of `kcell predict`: PNG files and image stacks (.npy, or the test
// split of any dataset kcell opens), checked against the model's input before anything
// is predicted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common.hpp"
#include "pixels.hpp"

namespace kcell_cli {

struct ModelInput {
  int channels = 0, height = 0, width = 0;
  size_t image_bytes() const {
    return static_cast<size_t>(channels) * static_cast<size_t>(height) * static_cast<size_t>(width);
  }
};

struct PredictSource {
  std::string file;
  bool is_png = false;
  Image8 png;                           // a PNG's pixels
  std::optional<kcell::Dataset> stack;  // a stack's dataset (images in its test split)
  int channels = 0;                     // the source's channels (1 or 3)
  size_t count = 0;                     // images in this source

  // "file" for a PNG, "file[i]" for image i of a stack.
  std::string label(size_t index) const;
};

// Opens every input; throws Failure (one line naming the file) for a missing or corrupt
// file or an image size other than the model's. Channels are converted later.
std::vector<PredictSource> open_predict_inputs(const std::vector<std::string>& paths,
                                               const ModelInput& input);

// Writes image `index` of `source` in the model's channels (RGB to grey by luma(), grey
// to RGB by copying) as C×H×W bytes to `out`.
void copy_model_image(const PredictSource& source, size_t index, const ModelInput& input,
                      uint8_t* out);

}  // namespace kcell_cli
