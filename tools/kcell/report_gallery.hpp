// The report's gallery: for each class a few test images the model got right and a few it
// got wrong, each beside its saliency map, so that a reader sees what the network looked
// at when it was right and when it was not.
#pragma once

#include <kcell/kcell.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace kcell_cli {

struct GalleryItem {
  size_t index = 0;  // in the split
  int truth = 0, predicted = 0;
  float probability = 0;  // of the predicted class
  std::string png;        // the picture (saliency_overlay), PNG bytes
};

struct Gallery {
  std::string method;  // "Grad-CAM" or "input gradient"; "" when there is no gallery
  std::string note;    // why there is none, or what was left out
  std::vector<GalleryItem> items;
};

// Up to `per_kind` right and `per_kind` wrong images of each true class, the first ones
// of `split` in order (at most `scan` images are predicted to find them), with Grad-CAM
// maps of the predicted class (input gradients for a network without convolutions). An
// ensemble gets no gallery (its members' maps differ); the note says so.
Gallery build_gallery(const kcell::Model& model, const kcell::Dataset& data, kcell_split split,
                      size_t per_kind = 3, size_t scan = 4096);

// The gallery's report section (id "gallery"), the pictures inline as data: URLs.
std::string render_gallery(const Gallery& gallery, const std::vector<std::string>& class_names);

}  // namespace kcell_cli
