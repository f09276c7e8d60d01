#include "train_options.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "ranks.hpp"
#include "tta_option.hpp"

namespace kcell_cli {
namespace {

const std::map<std::string, kcell_monitor>& monitors() {
  static const std::map<std::string, kcell_monitor> all = {
      {"val_loss", KCELL_MONITOR_VAL_LOSS},
      {"val_accuracy", KCELL_MONITOR_VAL_ACCURACY},
      {"val_balanced_accuracy", KCELL_MONITOR_VAL_BALANCED_ACCURACY},
      {"val_auc", KCELL_MONITOR_VAL_AUC}};
  return all;
}

struct EarlyStop {
  kcell_monitor monitor = KCELL_MONITOR_NONE;
  int patience = 0;
};

// "auto" (the library's choice), "none", "METRIC" (keep the best epoch, never stop early),
// "METRIC:PATIENCE" or "METRIC:auto".
EarlyStop parse_early_stop(const std::string& text) {
  EarlyStop stop;
  if (text == "none") return stop;
  if (text == "auto") {
    const kcell_train_params defaults = kcell::default_train_params();
    return {static_cast<kcell_monitor>(defaults.monitor), defaults.patience};
  }
  const size_t colon = text.find(':');
  const auto it = monitors().find(text.substr(0, colon));
  bool ok = it != monitors().end();
  if (ok && colon != std::string::npos) {
    const std::string digits = text.substr(colon + 1);
    if (digits == "auto") {
      stop.patience = -1;
    } else {
      ok = !digits.empty() && digits.size() < 6 &&
           std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (ok) stop.patience = std::stoi(digits);
    }
  }
  if (!ok)
    throw CLI::ValidationError("--early-stop",
                               "expected auto, none, METRIC, METRIC:PATIENCE "
                               "or METRIC:auto with METRIC one of val_loss, "
                               "val_accuracy, val_balanced_accuracy, "
                               "val_auc; got '" +
                                   text + "'");
  stop.monitor = it->second;
  return stop;
}

// The kcell_precision of --precision; int8 gets its own message since it is a precision,
// only not one to train in.
kcell_precision training_precision(const std::string& name) {
  if (name == "auto") return KCELL_PRECISION_AUTO;
  if (name == "fp32") return KCELL_PRECISION_FP32;
  if (name == "bf16") return KCELL_PRECISION_BF16;
  if (name == "int8")
    throw CLI::ValidationError("--precision",
                               "int8 is for inference only (kcell eval or "
                               "predict --precision int8); train in auto, fp32 or bf16");
  throw CLI::ValidationError("--precision", "expected auto, fp32 or bf16, got '" + name + "'");
}

// A CLI11 check that runs `parse` and turns its exception into the option's message.
template <class Parse>
CLI::Validator parses_as(const std::string& description, Parse parse) {
  return CLI::Validator(
      [parse](std::string& value) -> std::string {
        try {
          parse(value);
        } catch (const CLI::ValidationError& e) {
          std::string what = e.what();
          const std::string prefix = ": ";
          const size_t at = what.find(prefix);
          return at == std::string::npos ? what : what.substr(at + prefix.size());
        }
        return "";
      },
      description);
}

// True when all of `text` is a number, put in `v`.
bool whole_number(const std::string& text, double& v) {
  size_t used = 0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    return false;
  }
  return used > 0 && used == text.size();
}

// A real number in [lo, hi] (or (lo, hi] when `above`), with a message that says so.
CLI::Validator number_in(double lo, double hi, bool above = false) {
  char text[64];
  std::snprintf(text, sizeof text, "%s%g, %g]", above ? "(" : "[", lo, hi);
  const std::string range = text;
  return CLI::Validator(
      [lo, hi, above, range](std::string& text) -> std::string {
        double v = 0;
        const bool ok = whole_number(text, v) && v <= hi && (above ? v > lo : v >= lo);
        return ok ? "" : "'" + text + "' is not a number in " + range;
      },
      "NUMBER in " + range);
}

int decision_value(const std::string& name) {
  if (name == "argmax") return KCELL_DECISION_ARGMAX;
  if (name == "validation" || name == "bias") return KCELL_DECISION_VALIDATION_PRIORS;
  if (name == "balanced") return KCELL_DECISION_BALANCED;
  return KCELL_DECISION_AUTO;
}

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

}  // namespace

double parse_ema(const std::string& text) {
  if (text == "auto") return -1.0;
  if (text == "off") return 0.0;
  double v = 0;
  if (!whole_number(text, v) || !(v > 0.0 && v < 1.0))
    throw CLI::ValidationError("--ema",
                               "expected a decay in (0, 1), auto or off; got '" + text + "'");
  return v;
}

std::vector<float> parse_pos_weights(const std::string& text) {
  std::vector<float> weights;
  if (text == "none" || text == "auto") return weights;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = std::min(text.find(',', start), text.size());
    double v = 0;
    if (!whole_number(text.substr(start, end - start), v) || !(v > 0.0 && v <= 1e6))
      throw CLI::ValidationError("--pos-weights",
                                 "expected none, auto or positive numbers "
                                 "joined by commas (one per label); got '" +
                                     text + "'");
    weights.push_back(static_cast<float>(v));
    start = end + 1;
  }
  return weights;
}

kcell_augmentation parse_augment(const std::string& list) {
  kcell_augmentation a = kcell::default_augmentation();
  if (list == "none") return a;
  size_t start = 0;
  while (start <= list.size()) {
    const size_t end = std::min(list.find('+', start), list.size());
    const std::string name = list.substr(start, end - start);
    if (name == "hflip")
      a.hflip = 0.5;
    else if (name == "vflip")
      a.vflip = 0.5;
    else if (name == "rot90")
      a.rot90 = 0.75;
    else if (name == "rotate")
      a.rotate = 0.5, a.rotate_degrees = 15;
    else if (name == "shift")
      a.shift = 2;
    else if (name == "jitter")
      a.brightness = 0.1, a.contrast = 0.1;
    else if (name == "erase")
      a.erase = 0.25;
    else
      throw CLI::ValidationError("--augment", "unknown augmentation '" + name +
                                                  "' (hflip, vflip, rot90, rotate, shift, "
                                                  "jitter, erase or none)");
    start = end + 1;
  }
  return a;
}

void add_train_options(CLI::App& cmd, TrainOptions& o) {
  cmd.add_option("--model", o.model,
                 "Preset (resnet8, resnet8-slim, resnet10, reference, resnet18, lenet5), "
                 "architecture spec, or auto: resnet8 below 20,000 training images (resnet8-slim, "
                 "half its width, on CPUs without AVX-512), resnet10 from there")
      ->capture_default_str();
  cmd.add_option("--epochs", o.epochs,
                 "Passes over the training split; 0: automatic, about 2,000 optimiser steps "
                 "within 10-200 epochs and at most 12,000 steps on an AVX-512 BF16 CPU, fewer on "
                 "slower ones (docs/recipe.md)")
      ->check(CLI::Range(0, 100000))
      ->capture_default_str();
  cmd.add_option("--batch", o.batch, "Images per step")
      ->check(CLI::Range(1, 65536))
      ->capture_default_str();
  cmd.add_option("--optimizer", o.optimizer, "sgd, adam or adamw")
      ->check(CLI::IsMember({"sgd", "adam", "adamw"}))
      ->capture_default_str();
  cmd.add_option("--lr", o.lr, "Peak learning rate (default 1e-3; 0.1 with sgd)")
      ->check(number_in(0, 10, true));
  cmd.add_option("--momentum", o.momentum, "SGD momentum")
      ->check(number_in(0, 0.999))
      ->capture_default_str();
  cmd.add_option("--schedule", o.schedule, "constant, multistep (x0.1 at 50% and 75%) or cosine")
      ->check(CLI::IsMember({"constant", "multistep", "cosine"}))
      ->capture_default_str();
  cmd.add_option("--warmup", o.warmup,
                 "Epochs of linear learning-rate warm-up (cosine), cut to a fifth of the run; "
                 "-1: 5% of the run")
      ->check(number_in(-1, 1000))
      ->capture_default_str();
  cmd.add_option("--weight-decay", o.weight_decay,
                 "Weight decay: decoupled for adamw (default 0.05), L2 for adam (1e-4) and "
                 "sgd (5e-4); biases and batch norm are not decayed")
      ->check(number_in(0, 10));
  cmd.add_option("--label-smoothing", o.label_smoothing, "Label smoothing in [0, 1)")
      ->check(number_in(0, 0.999))
      ->capture_default_str();
  cmd.add_option("--seed", o.seed, "Seed of initialisation, shuffling, dropout and augmentation")
      ->capture_default_str();
  cmd.add_option("--threads", o.threads, "Compute threads (0: all cores)")
      ->check(CLI::Range(0, 4096))
      ->capture_default_str();
  cmd.add_option("--precision", o.precision,
                 "Training arithmetic: auto (bf16 where the CPU computes it natively, about "
                 "twice as fast at the same accuracy; else fp32), fp32, or bf16 (bfloat16 "
                 "with fp32 master weights; needs a CPU with AVX-512 BF16)")
      ->check(parses_as("auto|fp32|bf16", [](const std::string& v) { training_precision(v); }))
      ->capture_default_str();
  cmd.add_option("--augment", o.augment,
                 "Training augmentation: names joined by '+' from hflip, vflip, rot90, rotate "
                 "(±15°), shift (±2 px), jitter, erase; or none")
      ->check(parses_as("AUGMENTATIONS", [](const std::string& v) { parse_augment(v); }))
      ->capture_default_str();
  cmd.add_option("--class-weights", o.class_weights,
                 "Loss weight per class: none, sqrt (1/sqrt(class count)) or auto (1/class "
                 "count); mean 1 over the classes")
      ->check(CLI::IsMember({"none", "sqrt", "auto"}))
      ->capture_default_str();
  cmd.add_flag("--balanced", o.balanced,
               "Draw classes evenly each epoch (with replacement); usually with "
               "--class-weights none");
  cmd.add_option("--early-stop", o.early_stop,
                 "METRIC:PATIENCE: keep the weights of the best epoch by METRIC (val_loss, "
                 "val_accuracy, val_balanced_accuracy, val_auc) and stop after PATIENCE "
                 "validations without improvement (METRIC alone never stops early; "
                 "METRIC:auto waits a quarter of the run's validations, at least 3); auto is "
                 "val_balanced_accuracy:auto; none keeps the last epoch")
      ->check(parses_as("METRIC:PATIENCE", [](const std::string& v) { parse_early_stop(v); }))
      ->capture_default_str();
  cmd.add_option("--validate-every", o.validate_every,
                 "Validate after every N epochs and after the last; 0: automatic (at most "
                 "about 50 validations)")
      ->check(CLI::Range(0, 100000))
      ->capture_default_str();
  cmd.add_option("--decision", o.decision,
                 "Decision rule kept in the model, a per-class logit bias fitted on the "
                 "validation split: validation (decisions follow its class priors), balanced "
                 "(equal priors, for balanced accuracy), auto (balanced when the training and "
                 "validation class mixes differ beyond chance, else validation, kept only if it "
                 "decides validation at least as accurately as argmax), or argmax (no bias)")
      ->check(CLI::IsMember({"auto", "validation", "balanced", "argmax", "bias"}))
      ->capture_default_str();
  cmd.add_option("--ema", o.ema,
                 "Exponential moving average of the weights, used for validation, model "
                 "selection and the saved model: a decay in (0, 1) (e.g. 0.999), auto (a time "
                 "constant of 5% of the run's steps) or off")
      ->check(parses_as("DECAY|auto|off", [](const std::string& v) { parse_ema(v); }))
      ->capture_default_str();
  cmd.add_option("--mixup", o.mixup,
                 "Mixup: blend training images and their labels in Beta(ALPHA, ALPHA) shares "
                 "(e.g. 0.2); 0: off")
      ->check(number_in(0, 100))
      ->capture_default_str();
  cmd.add_option("--batch-norm", o.batch_norm,
                 "Under mpirun: sync (batch statistics of the global batch, the result one "
                 "process with the global batch gives) or local (each rank's own batch; "
                 "cheaper). docs/scaling.md")
      ->check(CLI::IsMember({"sync", "local"}))
      ->capture_default_str();
  cmd.add_option("--cutmix", o.cutmix,
                 "CutMix: paste a rectangle of another training image, labels in the shares "
                 "of the pixels, its size from Beta(ALPHA, ALPHA) (e.g. 1); 0: off. With "
                 "--mixup, each batch uses one of the two")
      ->check(number_in(0, 100))
      ->capture_default_str();
  cmd.add_option("--pos-weights", o.pos_weights,
                 "Multi-label data only: the weight of each label's positives in the binary "
                 "cross-entropy: none (1), auto (negatives / positives of each label in the "
                 "training split, clamped to [0.01, 100]) or W,W,... (one per label)")
      ->check(parses_as("none|auto|W,W,...", [](const std::string& v) { parse_pos_weights(v); }))
      ->capture_default_str();
  add_tta_option(cmd, o.tta,
                 "the largest set the training augmentation produces: dihedral for flips "
                 "with rot90 on square images, flips4 for both flips, flips for hflip; with "
                 "--epochs 0, fewer views where evaluating val and test would cost more than "
                 "the training did");
  cmd.add_option("--class-names", o.class_names,
                 "Class names stored in the model: auto (TissueMNIST's or Fashion-MNIST's "
                 "for files named so, else 0..k-1), NAME,NAME,... or @FILE (one per line)")
      ->capture_default_str();
}

std::vector<std::string> train_option_names() {
  return {"model",       "epochs",     "batch",          "optimizer",    "lr",
          "momentum",    "schedule",   "warmup",         "weight-decay", "label-smoothing",
          "seed",        "threads",    "precision",      "augment",      "class-weights",
          "balanced",    "early-stop", "validate-every", "decision",     "tta",
          "class-names", "ema",        "mixup",          "cutmix",       "pos-weights",
          "batch-norm"};
}

double effective_learning_rate(const TrainOptions& o) {
  if (o.lr > 0) return o.lr;
  return o.optimizer == "sgd" ? 0.1 : 1e-3;
}

double effective_weight_decay(const TrainOptions& o) {
  if (o.weight_decay >= 0) return o.weight_decay;
  if (o.optimizer == "adamw") return 0.05;
  return o.optimizer == "sgd" ? 5e-4 : 1e-4;
}

std::string monitor_name(const TrainOptions& o) {
  const kcell_monitor monitor = parse_early_stop(o.early_stop).monitor;
  if (monitor == KCELL_MONITOR_NONE) return "";
  for (const auto& [name, value] : monitors())
    if (value == monitor) return name;
  return "val_balanced_accuracy";  // KCELL_MONITOR_AUTO with validation data
}

kcell_train_params make_train_params(const TrainOptions& o, TrainParamStorage& storage) {
  kcell_train_params params = kcell::default_train_params();
  params.epochs = o.epochs;
  params.batch_size = o.batch;
  static const std::map<std::string, int32_t> optimizers = {{"sgd", KCELL_OPTIMIZER_SGD},
                                                            {"adam", KCELL_OPTIMIZER_ADAM},
                                                            {"adamw", KCELL_OPTIMIZER_ADAMW}};
  params.optimizer = optimizers.at(o.optimizer);
  params.learning_rate = effective_learning_rate(o);
  params.momentum = o.momentum;
  static const std::map<std::string, int32_t> schedules = {{"constant", KCELL_SCHEDULE_CONSTANT},
                                                           {"multistep", KCELL_SCHEDULE_MULTISTEP},
                                                           {"cosine", KCELL_SCHEDULE_COSINE}};
  params.schedule = schedules.at(o.schedule);
  params.warmup_epochs = o.schedule == "cosine" ? o.warmup : 0.0;  // the library cuts it
  params.weight_decay = effective_weight_decay(o);
  params.label_smoothing = o.label_smoothing;
  params.seed = o.seed;
  params.num_threads = o.threads;
  params.precision = training_precision(o.precision);
  storage.augmentation = parse_augment(o.augment);
  params.augmentation = &storage.augmentation;
  params.balanced_sampler = o.balanced ? 1 : 0;
  // sqrt: 1/sqrt(count), halfway (in log terms) between no weighting and auto's inverse
  // frequency, so minority recall rises without giving up much majority accuracy.
  params.auto_class_weights = o.class_weights == "auto"   ? KCELL_CLASS_WEIGHTS_INVERSE
                              : o.class_weights == "sqrt" ? KCELL_CLASS_WEIGHTS_SQRT
                                                          : KCELL_CLASS_WEIGHTS_NONE;
  const EarlyStop stop = parse_early_stop(o.early_stop);
  params.monitor = stop.monitor;
  params.patience = stop.patience;
  params.validate_every = o.validate_every;
  params.fit_decision_bias = decision_value(o.decision);
  params.ema_decay = parse_ema(o.ema);
  params.mixup_alpha = o.mixup;
  params.cutmix_alpha = o.cutmix;
  storage.pos_weights = parse_pos_weights(o.pos_weights);
  params.pos_weights = storage.pos_weights.empty() ? nullptr : storage.pos_weights.data();
  params.auto_pos_weights = o.pos_weights == "auto" ? 1 : 0;
  // Under mpirun: data-parallel over the ranks, --batch per rank (docs/scaling.md).
  params.communicator = run_communicator();
  params.sync_batch_norm = o.batch_norm == "sync" ? 1 : 0;
  return params;
}

std::vector<std::pair<std::string, std::string>> describe_settings(const TrainOptions& o) {
  const bool sgd = o.optimizer == "sgd";
  std::vector<std::pair<std::string, std::string>> s = {
      {"model", o.model},
      {"epochs", o.epochs > 0 ? std::to_string(o.epochs) : "auto"},
      {"batch", std::to_string(o.batch)},
      {"optimizer", o.optimizer},
      {"lr", number(effective_learning_rate(o))}};
  if (sgd) s.emplace_back("momentum", number(o.momentum));
  s.emplace_back("schedule", o.schedule);
  if (o.schedule == "cosine") s.emplace_back("warmup", o.warmup < 0 ? "auto" : number(o.warmup));
  s.emplace_back("weight-decay", number(effective_weight_decay(o)));
  s.emplace_back("label-smoothing", number(o.label_smoothing));
  s.emplace_back("augment", o.augment);
  s.emplace_back("class-weights", o.class_weights);
  s.emplace_back("balanced", o.balanced ? "true" : "false");
  s.emplace_back("early-stop", o.early_stop);
  s.emplace_back("validate-every",
                 o.validate_every > 0 ? std::to_string(o.validate_every) : "auto");
  s.emplace_back("decision", o.decision);
  s.emplace_back("ema", o.ema);
  s.emplace_back("mixup", number(o.mixup));
  s.emplace_back("cutmix", number(o.cutmix));
  if (o.pos_weights != "none") s.emplace_back("pos-weights", o.pos_weights);
  s.emplace_back("tta", o.tta);
  s.emplace_back("seed", std::to_string(o.seed));
  s.emplace_back("threads", o.threads > 0 ? std::to_string(o.threads) : "all cores");
  s.emplace_back("precision", o.precision);
  return s;
}

}  // namespace kcell_cli
