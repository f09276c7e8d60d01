#include "train/schedule.hpp"

#include <cmath>
#include <string>

#include "common/error.hpp"

namespace kcell::train {
namespace {
constexpr double pi = 3.14159265358979323846;
}

LearningRateSchedule::LearningRateSchedule(const ScheduleConfig& config) : config_(config) {
  if (!(std::isfinite(config.base_lr) && config.base_lr > 0.0))
    fail(Status::invalid_argument,
         "learning rate must be above 0, got " + std::to_string(config.base_lr));
  if (config.epochs < 1)
    fail(Status::invalid_argument,
         "epochs must be 1 or more, got " + std::to_string(config.epochs));
  if (config.steps_per_epoch < 1)
    fail(Status::invalid_argument, "an epoch needs at least one step");
  if (!(config.warmup_epochs >= 0.0 && config.warmup_epochs <= config.epochs))
    fail(Status::invalid_argument,
         "warm-up epochs must be in [0, epochs], got " + std::to_string(config.warmup_epochs));
  switch (config.kind) {
    case ScheduleKind::constant:
    case ScheduleKind::multistep:
    case ScheduleKind::cosine:
      break;
    default:
      fail(Status::invalid_argument,
           "unknown schedule " + std::to_string(static_cast<int>(config.kind)));
  }
  const double s = static_cast<double>(config.steps_per_epoch);
  total_steps_ = config.epochs * s;
  warmup_steps_ = std::round(config.warmup_epochs * s);
}

double LearningRateSchedule::at(int epoch, size_t step) const {
  const double r = config_.base_lr;
  switch (config_.kind) {
    case ScheduleKind::constant:
      return r;
    case ScheduleKind::multistep: {
      double lr = r;
      if (epoch >= 0.5 * config_.epochs) lr *= 0.1;
      if (epoch >= 0.75 * config_.epochs) lr *= 0.1;
      return lr;
    }
    case ScheduleKind::cosine: {
      const double t = static_cast<double>(epoch) * static_cast<double>(config_.steps_per_epoch) +
                       static_cast<double>(step);
      const double w = warmup_steps_;
      if (t < w) return r * (t + 1.0) / w;
      const double span = total_steps_ - w;
      if (span <= 0.0) return r;  // all warm-up: stay at the peak
      const double x = t - w < span ? (t - w) / span : 1.0;
      return r * 0.5 * (1.0 + std::cos(pi * x));
    }
  }
  return r;
}

}  // namespace kcell::train
