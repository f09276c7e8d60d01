// The training settings of `kcell train` (and of every `kcell sweep` run): their defaults,
// their command-line options and their translation into kcell_train_params.
#pragma once

#include <kcell/kcell.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace CLI {
class App;
}

namespace kcell_cli {

// Defaults: the library's recipe (kcell_train_params_default(), docs/accuracy.md), spelt as
// options; a test checks that make_train_params(TrainOptions{}) gives exactly those defaults.
struct TrainOptions {
  std::string model = "auto";  // auto: chosen by the training split's size (chosen_architecture)
  int epochs = 0;              // 0: automatic, from the training split's size
  int batch = 128;
  std::string optimizer = "adamw";
  double lr = 0;          // 0: 1e-3 for adam and adamw, 0.1 for sgd
  double momentum = 0.9;  // sgd only
  std::string schedule = "cosine";
  double warmup = -1;        // epochs of linear warm-up (cosine only); < 0: 5 % of the run
  double weight_decay = -1;  // < 0: 0.05 for adamw, 1e-4 for adam, 5e-4 for sgd
  double label_smoothing = 0;
  uint64_t seed = 42;
  int threads = 0;
  std::string precision = "auto";  // training arithmetic: auto, fp32 or bf16
  std::string augment = "hflip+vflip+rot90+jitter+rotate";
  std::string class_weights = "sqrt";
  bool balanced = false;
  std::string early_stop = "auto";
  int validate_every = 0;  // 0: automatic
  // auto, validation (alias bias), balanced or argmax: a ::kcell_decision.
  std::string decision = "auto";
  // auto (chosen from the augmentation by training) or a kcell_tta name.
  std::string tta = "auto";
  std::string class_names = "auto";
  std::string ema = "auto";  // a decay in (0, 1), auto or off
  double mixup = 0;          // Beta alpha; 0: off
  double cutmix = 0;
  std::string pos_weights = "none";  // multi-label: none, auto or W,W,... (one per label)
  std::string batch_norm = "sync";   // under mpirun: sync or local batch statistics
};

// Registers every training option on `cmd`, bound to `o` (not --data, --out and the like,
// which belong to each command). Values are checked as they are parsed (usage errors).
void add_train_options(CLI::App& cmd, TrainOptions& o);

// The long names of the options add_train_options registers, without "--".
std::vector<std::string> train_option_names();

double effective_learning_rate(const TrainOptions& o);
double effective_weight_decay(const TrainOptions& o);

// The augmentation block of a "hflip+rot90+shift" list; throws CLI::ValidationError.
kcell_augmentation parse_augment(const std::string& list);

// What kcell_train_params points to; it must outlive the params.
struct TrainParamStorage {
  kcell_augmentation augmentation{};
  std::vector<float> pos_weights;  // --pos-weights W,W,...
};

// kcell_train_params for these options, pointing into `storage`. Progress is left to the
// caller.
kcell_train_params make_train_params(const TrainOptions& o, TrainParamStorage& storage);

// Name-value pairs of the effective settings, in option order, for reports.
std::vector<std::pair<std::string, std::string>> describe_settings(const TrainOptions& o);

// The ema_decay of an --ema value: "auto" is negative, "off" 0, else the number; throws
// CLI::ValidationError for anything else or a number outside (0, 1).
double parse_ema(const std::string& text);

// --pos-weights: "none" and "auto" give no numbers (auto sets the flag in the params);
// W,W,... gives one positive weight per label, each a number above 0. Throws
// CLI::ValidationError otherwise.
std::vector<float> parse_pos_weights(const std::string& text);

// The monitored metric's name ("val_balanced_accuracy"), or "" without early stopping.
std::string monitor_name(const TrainOptions& o);

}  // namespace kcell_cli
