// The metadata member of a model file (kcell.json): what it holds and its JSON form.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/model.hpp"

namespace kcell::model {

// The model file formats this version reads. A change that older readers would misread
// gets a new number: version 2 added the temperature and the conformal calibration,
// version 3 the task ("multi-label": sigmoid outputs). A file is written with the oldest
// version that holds what it has: a multi-class model without a calibration is version 1,
// which older kcell versions read alike; only multi-label models need version 3 (an older
// kcell refuses them rather than reading sigmoid outputs as softmax ones).
inline constexpr int kModelFormatVersion = 3;
inline constexpr int kOldestModelFormatVersion = 1;
inline constexpr char kMetadataMember[] = "kcell.json";

struct ModelMetadata {
  int format_version = kModelFormatVersion;
  std::string kcell_version;  // of the library that wrote the file
  std::string architecture;   // canonical spec text
  int channels = 0, height = 0, width = 0;
  int num_classes = 0;
  data::TaskKind task = data::TaskKind::multi_class;  // before version 3: multi-class
  uint64_t seed = 0;                                  // of the initial weights
  std::vector<std::string> class_names;
  Normalization normalization;
  std::vector<float> decision_bias;  // empty: plain argmax (and files before it existed)
  // Files with a bias from before the rule was recorded fitted it to validation priors.
  DecisionRule decision_rule = DecisionRule::argmax;
  Tta tta = Tta::none;                 // files before it existed have none
  double temperature = 1.0;            // version 1 files: 1
  std::optional<Conformal> conformal;  // version 1 files: none
  TrainingSummary training;
  std::vector<std::string> parameters;  // tensor names, in network order
  std::vector<std::string> buffers;
};

// Everything the model knows about itself (class names filled with the defaults).
ModelMetadata metadata_of(Model& model, const std::string& kcell_version);

// Pretty-printed JSON. Unknown numbers (NaN, best_epoch -1) become null.
std::string metadata_to_json(const ModelMetadata& metadata);

// Parses and checks types and ranges, the format version first. Throws Status::format with
// a message that starts with `where` and names the field.
ModelMetadata metadata_from_json(const std::string& text, const std::string& where);

}  // namespace kcell::model
