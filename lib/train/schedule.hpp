// Learning-rate schedules. With base rate r, E epochs of S steps, epoch e (0-based) and
// global step t = e*S + s (0-based, the step about to be taken):
//
//   constant:   lr = r
//   multistep:  lr = r * 0.1^n, n = number of milestones m in {0.5*E, 0.75*E} with e >= m
//               (per epoch, as torch MultiStepLR(milestones=[0.5E, 0.75E], gamma=0.1)
//               stepped once per epoch; a fractional milestone takes effect at the next
//               whole epoch, where PyTorch would never fire it)
//   cosine:     W = round(warmup_epochs * S) warm-up steps, T = E*S steps in all;
//               t < W:  lr = r * (t + 1) / W                      (linear warm-up)
//               t >= W: lr = r * (1 + cos(pi * (t - W) / (T - W))) / 2
//               (with W = 0 this is torch CosineAnnealingLR(T_max=T, eta_min=0) stepped
//               every batch)
#pragma once

#include <cstddef>

namespace kcell::train {

enum class ScheduleKind { constant, multistep, cosine };

struct ScheduleConfig {
  ScheduleKind kind = ScheduleKind::constant;
  double base_lr = 1e-3;
  int epochs = 1;
  size_t steps_per_epoch = 1;
  double warmup_epochs = 0.0;  // cosine only; in [0, epochs]
};

class LearningRateSchedule {
 public:
  // Throws invalid_argument naming the setting that is out of range.
  explicit LearningRateSchedule(const ScheduleConfig& config);

  // The rate for step `step` (0-based) of epoch `epoch` (0-based).
  double at(int epoch, size_t step) const;

 private:
  ScheduleConfig config_;
  double warmup_steps_;  // W
  double total_steps_;   // T
};

}  // namespace kcell::train
