// Ensemble files: several trained models in one file whose predictions are averaged
// (docs/model-files.md, "Ensembles"). The file is a zip like a model file: a manifest
// kcell.json with format "kcell-ensemble" and a format_version above 1, so that a kcell
// that reads only single models refuses it with a clear message, and one whole model file
// per member. Loading dispatches on the manifest, so every reader of model files reads
// both kinds through load_models().
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/model.hpp"

namespace kcell::model {

inline constexpr int kEnsembleFormatVersion = 2;
inline constexpr size_t kMaxEnsembleMembers = 64;

using Members = std::vector<std::unique_ptr<Model>>;

// Throws invalid_argument unless there are 1..kMaxEnsembleMembers models that agree on
// what averaging their probabilities needs: input shape, class count, class names and
// input normalisation (predict_normalized feeds all members the same floats).
void check_ensemble_members(const std::vector<const Model*>& members);

// One member: the plain model file (save_model_to_memory); more: an ensemble file.
std::vector<uint8_t> save_models_to_memory(const std::vector<Model*>& members,
                                           const std::string& kcell_version);
// Atomically, as save_model.
void save_models(const std::vector<Model*>& members, const std::string& path,
                 const std::string& kcell_version);

// A model file gives one member, an ensemble file its members, each checked as
// load_model checks a file, and the members checked by check_ensemble_members. Throws
// Status::format naming the file and member (Status::io if it cannot be opened).
Members load_models(const std::string& path);
Members load_models_from_memory(const void* data, size_t size);

}  // namespace kcell::model
