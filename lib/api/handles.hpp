// What the opaque C handles are. Only lib/api sees these definitions.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "data/dataset.hpp"
#include "kcell/kcell.h"

namespace kcell::model {
class Model;
}

struct kcell_dataset {
  kcell::data::Dataset data;
  std::string source_path;  // the file or folder it was opened from ("" when built in memory)
};

struct kcell_model {
  std::unique_ptr<kcell::model::Model> model;
};

struct kcell_history {
  std::vector<kcell_epoch_stats> epochs;
  int best_epoch = -1;  // record index of the latest train call's best epoch, or -1
};
