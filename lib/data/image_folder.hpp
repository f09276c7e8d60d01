// Folders of PNG images, one folder per class (the torchvision ImageFolder convention).
#pragma once

#include <string>

#include "data/dataset.hpp"

namespace kcell::data {

// Whether `folder` is laid out as an image folder: it has a train/, val/ or test/
// subfolder (an IDX folder has files only).
bool is_image_folder(const std::string& folder);

// Reads FOLDER/{train,val,test}/CLASS/*.png. Any split folder may be absent but one must
// be there. The classes are the sorted names of train's class folders (of all splits'
// when there is no train/), which become the dataset's class names; a val or test class
// folder must be one of them. Files are read in sorted order, class by class. When val/
// is absent, each training class's last round(n × val_fraction) files in that order become
// the validation split (reproducible, stratified, no randomness). Hidden entries (".x")
// are ignored; anything else that is not a PNG file, an empty class folder, images of
// different sizes or channel counts, and more than options.max_files entries are refused
// with an error naming the file.
Dataset read_image_folder(const std::string& folder, const OpenOptions& options);

}  // namespace kcell::data
