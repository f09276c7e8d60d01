// Checks that a dataset split can be fed to a model: present, same image shape, and every
// label one of the model's classes.
#pragma once

#include "data/dataset.hpp"
#include "model/model.hpp"

namespace kcell::model {

// `what` names the split in messages, e.g. "training split". Labels are checked against
// the model's classes unless `labels_used` is false (int8 calibration reads images only).
// Throws invalid_argument.
void check_split_fits(const model::Model& model, const data::Dataset& dataset, data::SplitId id,
                      const char* what, bool labels_used = true);

// How messages name a split: "training split", "validation split" or "test split".
const char* split_description(data::SplitId split);

}  // namespace kcell::model
