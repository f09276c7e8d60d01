// A model: an architecture built into a network for one input shape and class count, with
// its weights and the input normalisation learnt from the training images.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "data/dataset.hpp"
#include "nn/network.hpp"
#include "spec/architecture.hpp"

namespace kcell::infer {
struct InferenceSlot;  // defined by lib/infer (model_engine.cpp), which model cannot see
}

namespace kcell::model {

// Per-channel input normalisation in units of pixel / 255 (as torchvision's ToTensor +
// Normalize): x = (pixel / 255 - mean[c]) / std[c]. Empty until the first training run;
// an empty one means mean 0 and std 1.
struct Normalization {
  std::vector<float> mean;
  std::vector<float> std;
  bool empty() const { return mean.empty(); }
};

// What training recorded about the model, kept in model files. A new model has trained 0
// epochs and knows nothing else; the trainer fills the rest.
struct TrainingSummary {
  int epochs_trained = 0;  // completed epochs, over every training run
  int best_epoch = -1;     // 0-based epoch with the best validation score; -1 if unknown
  double val_loss = std::numeric_limits<double>::quiet_NaN();      // after the last epoch
  double val_accuracy = std::numeric_limits<double>::quiet_NaN();  // NaN if unknown
  // The main settings of the last run by name, e.g. "optimizer" = "adam",
  // "learning_rate" = 0.001, "batch_size" = 128.
  std::map<std::string, std::variant<double, std::string>> parameters;
};

// How a model's decision bias came to be (kept in model files, reported by eval):
//   argmax             no bias: the class of the largest probability;
//   validation_priors  fitted so that decisions follow the validation split's class shares;
//   balanced           fitted for equal priors (the best guess when the
//                      priors shift between splits: balanced accuracy, not the mix, counts);
//   given              set by the user.
enum class DecisionRule { argmax, validation_priors, balanced, given };
const char* decision_rule_name(DecisionRule rule);  // "argmax", "validation_priors", ...
// The rule of that name; false if none has it.
bool decision_rule_from_name(const std::string& name, DecisionRule* rule);

// Test-time augmentation: the views of an image whose softmax probabilities prediction
// and evaluation average (infer/tta.hpp):
//   none      the image only (1 view);
//   flips     it and its left-right mirror (2);
//   flips4    those and their up-down mirrors (4);
//   dihedral  the 8 flips and quarter turns (square images only).
enum class Tta { none, flips, flips4, dihedral };
const char* tta_name(Tta tta);  // "none", "flips", "flips4", "dihedral"
// The set of that name; false if none has it.
bool tta_from_name(const std::string& name, Tta* tta);
int tta_views(Tta tta);  // 1, 2, 4 or 8

// The temperatures a model accepts (temperature scaling clamps its fit to them).
constexpr double kMinTemperature = 0.01;
constexpr double kMaxTemperature = 100.0;

// A split-conformal calibration with the LAC score s = 1 - p[label] (infer/conformal.hpp):
// a class belongs to an image's prediction set when 1 - p[class] <= quantile, which holds
// the true class with probability at least 1 - alpha on data exchangeable with the
// calibration rows. The quantile is +infinity (every class) when the calibration rows are
// too few for alpha.
struct Conformal {
  double alpha = 0.1;
  double quantile = 0.0;
  int64_t calibration_count = 0;  // rows the quantile came from
};

// Most trainable parameters a model may have (ResNet-18 has 11M): 64M floats are 256 MB
// of weights, about 1 GB with gradients and optimiser state. Status::limit above it.
constexpr int64_t kMaxModelParams = int64_t{1} << 26;

class Model {
 public:
  // Checks the shape (1 or 3 channels, 1..4096 pixels a side, 2..65536 classes; throws
  // invalid_argument) and builds the network with weights initialised from seed.
  Model(spec::Architecture architecture, int channels, int height, int width, int num_classes,
        uint64_t seed);
  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const spec::Architecture& architecture() const { return architecture_; }
  int channels() const { return channels_; }
  int height() const { return height_; }
  int width() const { return width_; }
  // Multi-label models have num_classes() labels (sigmoid outputs).
  int num_classes() const { return num_classes_; }
  // Multi-class (softmax over the classes) until set; kept in model files.
  data::TaskKind task() const { return task_; }
  bool multi_label() const { return task_ == data::TaskKind::multi_label; }
  // Changing the task drops the decision bias, temperature and conformal calibration (they
  // describe the other kind of outputs).
  void set_task(data::TaskKind task);
  // Throws invalid_argument naming `what` (a softmax-only feature) for a multi-label model.
  void refuse_if_multi_label(const char* what) const;
  uint64_t seed() const { return seed_; }
  // Bytes (= floats) of one input image: channels × height × width.
  size_t input_size() const;

  nn::Network& network() { return *network_; }
  const nn::Network& network() const { return *network_; }
  size_t num_params() const { return network_->num_params(); }

  const Normalization& normalization() const { return normalization_; }
  // Throws invalid_argument unless there is one finite mean and one finite std > 0 per
  // channel (or both are empty).
  void set_normalization(Normalization normalization);

  // Class names, "0" .. "k-1" until set (model_metadata.cpp).
  std::vector<std::string> class_names() const;
  std::string class_name(int index) const;  // throws invalid_argument outside [0, k)
  bool has_class_names() const { return !class_names_.empty(); }  // false: the defaults
  // num_classes() names of 1..256 bytes of valid UTF-8 each, or none for the defaults.
  // Throws invalid_argument otherwise.
  void set_class_names(std::vector<std::string> names);

  // The decision rule: one bias per class added to the logits before softmax by prediction
  // and evaluation (fitted on validation by training, infer/decision_bias.hpp); empty for
  // plain argmax. Throws invalid_argument unless empty or num_classes() finite values, and
  // for any bias on a multi-label model.
  // An empty bias makes the rule argmax whatever `rule` says; a bias with rule argmax
  // is refused.
  const std::vector<float>& decision_bias() const { return decision_bias_; }
  DecisionRule decision_rule() const { return decision_rule_; }
  void set_decision_bias(std::vector<float> bias, DecisionRule rule = DecisionRule::given);

  // The test-time augmentation of predictions and evaluations: none until set. Training
  // chooses it from its augmentation unless it was `given` (by the user, who asked for
  // that set: training then keeps it); loading a file sets it as not given. Throws
  // invalid_argument for dihedral on a non-square input.
  Tta tta() const { return tta_; }
  bool tta_given() const { return tta_given_; }
  void set_tta(Tta tta, bool given = false);

  // Temperature scaling (infer/temperature_scaling.hpp): prediction and evaluation divide
  // the logits (after test-time augmentation, before the decision bias) by it. 1 until
  // calibrated; throws invalid_argument outside [kMinTemperature, kMaxTemperature], and for
  // anything but 1 on a multi-label model.
  double temperature() const { return temperature_; }
  void set_temperature(double temperature);

  // Split-conformal prediction sets (infer/conformal.hpp), absent until calibrated.
  const std::optional<Conformal>& conformal() const { return conformal_; }
  // Throws invalid_argument for alpha outside (0, 1), a NaN quantile or no calibration rows,
  // and on a multi-label model.
  void set_conformal(std::optional<Conformal> conformal);

  const TrainingSummary& training_summary() const { return training_summary_; }
  void set_training_summary(TrainingSummary summary) { training_summary_ = std::move(summary); }

  // Moves whenever the weights or batch-norm statistics change (every
  // Network::weights_changed(): training steps, best-weights restore, loading).
  uint64_t weights_generation() const { return network_->weights_version(); }

  // Where lib/infer keeps its state for this model (the engine built from the current
  // weights, so that concurrent predictions share it; the inference precision; the int8
  // calibration). Opaque here because model sits below infer: infer creates the slot on
  // first use (once, through `once`), and it goes with the model.
  struct InferenceState {
    std::once_flag once;
    std::shared_ptr<infer::InferenceSlot> slot;
  };
  InferenceState& inference_state() const { return inference_state_; }

 private:
  spec::Architecture architecture_;
  int channels_, height_, width_, num_classes_;
  data::TaskKind task_ = data::TaskKind::multi_class;
  uint64_t seed_;
  std::unique_ptr<nn::Network> network_;
  Normalization normalization_;
  std::vector<std::string> class_names_;  // num_classes_ names, or empty for the defaults
  std::vector<float> decision_bias_;
  DecisionRule decision_rule_ = DecisionRule::argmax;
  Tta tta_ = Tta::none;
  bool tta_given_ = false;
  double temperature_ = 1.0;
  std::optional<Conformal> conformal_;
  TrainingSummary training_summary_;
  mutable InferenceState inference_state_;
};

}  // namespace kcell::model
