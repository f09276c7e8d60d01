// What the opaque C handles are. Only lib/api sees these definitions.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "api/handle_use.hpp"
#include "data/dataset.hpp"
#include "kcell/kcell.h"

namespace kcell::model {
class Model;
}

struct kcell_dataset {
  mutable kcell::api::UseState use;  // mutable: the C API passes datasets as const
  kcell::data::Dataset data;
  std::string source_path;  // the file or folder it was opened from ("" when built in memory)
};

// A single model, or an ensemble (model/ensemble_file.hpp): `model` is then its first
// member, which the getters describe, and `more` holds the others.
struct kcell_model {
  mutable kcell::api::UseState use;
  std::unique_ptr<kcell::model::Model> model;
  std::vector<std::unique_ptr<kcell::model::Model>> more;

  bool is_ensemble() const { return !more.empty(); }
  std::vector<kcell::model::Model*> members() const {
    std::vector<kcell::model::Model*> all{model.get()};
    for (const auto& m : more) all.push_back(m.get());
    return all;
  }
};

struct kcell_history {
  std::vector<kcell_epoch_stats> epochs;
  int best_epoch = -1;  // record index of the latest train call's best epoch, or -1
};
