// The recommended training recipe, stated once, and the rule that scales a run's length
// with the data. kcell_train_params_default() fills its defaults from recommended_config(),
// so the C API, the kcell program and Python's Model.train() train the same way
// (docs/recipe.md gives the reasons and the measurements).
#pragma once

#include <cstddef>

#include "model/model.hpp"
#include "spec/architecture.hpp"
#include "train/train_config.hpp"

namespace kcell::train {

// The length rule (docs/recipe.md). S = steps per epoch = ceil(train images / batch).
//   epochs      E = clamp(ceil(kTargetSteps / S), kMinEpochs, kMaxEpochs), then at most
//                   max(1, floor(max(kTargetSteps, kMaxSteps * rate / cost) / S)): small sets
//                   get enough optimiser steps, huge ones stay within a compute budget (about
//                   15 minutes on 2 cores for TissueMNIST). cost = the network's FLOPs per
//                   image relative to the reference CNN's, at least 1 (relative_cost());
//                   rate = this CPU's training arithmetic rate relative to the AVX-512 BF16
//                   machine kMaxSteps was measured on (machine_training_rate()). The budget
//                   never cuts a run below kTargetSteps: enough steps come first.
//   warm-up     5 % of the run's E*S steps; an explicit warm-up is cut to a fifth of them.
//   validation  every V = max(1, round(E / kMaxValidations)) epochs, and after the last.
//   patience    max(kMinPatience, ceil(validations / 4)) validations without improvement.
//   EMA decay   d = 1 - 1 / tau with tau = max(kMinEmaSteps, kEmaRunFraction * E * S) steps,
//               clamped to [kMinEmaDecay, kMaxEmaDecay]: the average spans the same share of
//               every run (its time constant tau; the weights of 3 tau steps ago weigh
//               e^-3 = 5 %), so a short run's average does not lag behind its whole
//               schedule and a long one's still smooths the noise of the last steps.
inline constexpr size_t kTargetSteps = 2000;
inline constexpr size_t kMaxSteps = 12000;
inline constexpr int kMinEpochs = 10;
inline constexpr int kMaxEpochs = 200;
inline constexpr int kMaxValidations = 50;
inline constexpr int kMinPatience = 3;
inline constexpr double kWarmupFraction = 0.05;
inline constexpr double kMaxWarmupFraction = 0.2;
inline constexpr double kEmaRunFraction = 0.05;
inline constexpr double kMinEmaSteps = 10.0;
inline constexpr double kMinEmaDecay = 0.9;
inline constexpr double kMaxEmaDecay = 0.9999;

// The recipe's weight averaging (TrainConfig::ema_decay): negative is automatic, by the
// rule above. Kept apart from the mechanism's default (0, off) until experiments settle it.
inline constexpr double kRecipeEmaDecay = -1.0;

// The automatic EMA decay for a run of `total_steps` optimiser steps (the rule above).
double automatic_ema_decay(size_t total_steps);

// The recipe: AdamW (lr 1e-3, decoupled weight decay 0.05), cosine with warm-up, batch 128,
// flips and quarter turns, loss weights 1/sqrt(class count), the best epoch by validation
// balanced accuracy, weight averaging (kRecipeEmaDecay), and every length setting
// automatic. Mixup and cutmix stay off.
TrainConfig recommended_config();

// `config` with its automatic settings (epochs 0, warmup_epochs < 0, validate_every 0,
// patience < 0, ema_decay < 0) replaced by the rule above for `train_count` training images.
// Explicit settings stay, except a warm-up longer than a fifth of the run, which is shortened.
// `rate` is machine_training_rate() where the run happens (1 gives the rule's reference
// machine, for tests and docs).
TrainConfig resolve_length(const TrainConfig& config, size_t train_count, double cost = 1.0,
                           double rate = 1.0);

// The recipe's training arithmetic: bf16 (fp32 master weights) where the CPU computes it
// natively, where it trains about twice as fast as fp32 at the same accuracy
// (docs/accuracy.md); fp32 elsewhere.
nn::Precision automatic_precision();

// The recommended network: a preset name (spec/presets.cpp), by training-set size and the
// CPU's training rate. A fourth stage pays off once there are enough images to fit it:
// resnet10 beat resnet8 on Fashion-MNIST's 55,000 (0.941 against 0.929, same epochs) and
// lost on PneumoniaMNIST's 3,882 and a 546-image subset (docs/recipe-experiments.md).
// Small sets train kTargetSteps steps whatever the CPU (the length rule cannot shorten
// them), so on a CPU training at a quarter of the reference rate or less (AVX2, fp32) their
// network is resnet8-slim, half the width and a quarter of the FLOPs: the run takes the
// minutes it takes on the reference machine (PneumoniaMNIST: 0.889 / 0.965 in 2 minutes a
// run on a Zen 3, against resnet8's 0.895 / 0.966 in 2.8 on a Zen 5; docs/accuracy.md).
// Large sets keep resnet10: the length rule's budget already bounds their time.
inline constexpr char kRecommendedArchitecture[] = "resnet8";
inline constexpr char kSlimArchitecture[] = "resnet8-slim";
inline constexpr char kLargeSetArchitecture[] = "resnet10";
inline constexpr size_t kLargeSetImages = 20000;
inline constexpr double kSlimBelowRate = 0.5;
// `rate` is machine_training_rate() where the run happens (tests pass their own).
const char* recommended_architecture(size_t train_count, double rate);
// The same for this CPU.
const char* recommended_architecture(size_t train_count);

// The automatic test-time augmentation of a run of automatic length: `wanted` (the set the
// training augmentation implies, infer::tta_for_augmentation()) cut to the largest nested set
// (dihedral 8 views, flips4 4, flips 2, none 1) whose evaluation of `evaluated_images` (the
// validation and test splits) costs at most the training run did: `trained_images` (epochs ×
// training images) forward and backward passes, kTrainingPassCost forward passes each. Small sets
// train thousands of passes over each image and keep every view; a TissueMNIST-sized set
// trained one epoch on AVX2 gets flips4, which halves the 8.5 minutes dihedral views took
// after its 9 minutes of training.
inline constexpr double kTrainingPassCost = 3.0;
model::Tta affordable_tta(model::Tta wanted, double trained_images, size_t evaluated_images);

// This CPU's training arithmetic rate relative to a 2-core AVX-512 BF16 machine (1 there),
// from what oneDNN computes with: vector width / 512, halved without native bf16 (training
// is then fp32). Measured (resnet8 / resnet10 images/s, 2 cores): Zen 3 AVX2 fp32 0.25 /
// 0.28 of Zen 5 bf16; the rule gives 0.25.
double machine_training_rate();

// FLOPs per image of `arch` relative to the reference CNN's, for that input and class count
// (spec::summarize); 1 when either cannot be summarised.
double relative_cost(const spec::Architecture& arch, int channels, int height, int width,
                     int num_classes);

}  // namespace kcell::train
