#include "model/split_check.hpp"

#include <string>

#include "common/error.hpp"

namespace kcell::model {
namespace {

std::string shape_text(int c, int h, int w) {
  return std::to_string(c) + "×" + std::to_string(h) + "×" + std::to_string(w);
}

}  // namespace

void check_split_fits(const model::Model& model, const data::Dataset& dataset, data::SplitId id,
                      const char* what, bool labels_used) {
  const data::Split& split = dataset.split(id);
  if (split.count == 0) fail(Status::invalid_argument, std::string("the dataset has no ") + what);
  if (dataset.channels != model.channels() || dataset.height != model.height() ||
      dataset.width != model.width())
    fail(Status::invalid_argument, std::string(what) + ": images are " +
                                       shape_text(dataset.channels, dataset.height, dataset.width) +
                                       " but the model takes " +
                                       shape_text(model.channels(), model.height(), model.width()));
  if (split.images.size() < split.count * dataset.image_bytes() ||
      split.labels.size() < split.count * static_cast<size_t>(split.label_width))
    fail(Status::internal, std::string(what) + ": fewer images or labels than its count");
  if (!labels_used) return;
  if (dataset.task != model.task())
    fail(Status::invalid_argument,
         std::string(what) + ": the data is " + data::task_name(dataset.task) +
             " but the model is " + data::task_name(model.task()) +
             (dataset.multi_label() ? " (make the model multi-label before training it: "
                                      "kcell_model_set_task)"
                                    : ""));
  const int32_t classes = model.num_classes();
  if (dataset.multi_label()) {
    // The readers checked that every label is 0 or 1.
    if (split.label_width != classes)
      fail(Status::invalid_argument, std::string(what) + ": images have " +
                                         std::to_string(split.label_width) +
                                         " labels but the model has " + std::to_string(classes));
    return;
  }
  for (size_t i = 0; i < split.count; ++i) {
    const int32_t label = split.labels[i];
    if (label < 0 || label >= classes)
      fail(Status::invalid_argument,
           std::string(what) + ": image " + std::to_string(i) + " has label " +
               std::to_string(label) + (label < 0 ? " (unlabelled)" : "") +
               ", outside the model's " + std::to_string(classes) + " classes");
  }
}

const char* split_description(data::SplitId split) {
  return split == data::SplitId::train ? "training split"
         : split == data::SplitId::val ? "validation split"
                                       : "test split";
}

}  // namespace kcell::model
