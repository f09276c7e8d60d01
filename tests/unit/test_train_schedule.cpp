// Learning-rate schedules: the documented formulas at chosen steps.
#include <doctest/doctest.h>

#include <cmath>

#include "common/error.hpp"
#include "train/schedule.hpp"

using kcell::train::LearningRateSchedule;
using kcell::train::ScheduleConfig;
using kcell::train::ScheduleKind;

TEST_CASE("the constant schedule gives the base rate at every step") {
  const LearningRateSchedule s({ScheduleKind::constant, 0.01, 3, 7, 0.0});
  CHECK(s.at(0, 0) == 0.01);
  CHECK(s.at(2, 6) == 0.01);
}

TEST_CASE("multistep divides by 10 at half and three quarters of the epochs") {
  const LearningRateSchedule s({ScheduleKind::multistep, 0.1, 100, 5, 0.0});
  CHECK(s.at(0, 0) == doctest::Approx(0.1));
  CHECK(s.at(49, 4) == doctest::Approx(0.1));
  CHECK(s.at(50, 0) == doctest::Approx(0.01));
  CHECK(s.at(74, 4) == doctest::Approx(0.01));
  CHECK(s.at(75, 0) == doctest::Approx(0.001));
  CHECK(s.at(99, 4) == doctest::Approx(0.001));
}

TEST_CASE("multistep with a fractional milestone decays at the next whole epoch") {
  // 10 epochs: milestones 5 and 7.5, so epochs 5..7 run at r/10 and 8..9 at r/100.
  const LearningRateSchedule s({ScheduleKind::multistep, 1.0, 10, 1, 0.0});
  const double expected[10] = {1, 1, 1, 1, 1, 0.1, 0.1, 0.1, 0.01, 0.01};
  for (int e = 0; e < 10; ++e) CHECK(s.at(e, 0) == doctest::Approx(expected[e]));
}

TEST_CASE("cosine without warm-up follows torch CosineAnnealingLR stepped per batch") {
  const double r = 0.2;
  const LearningRateSchedule s({ScheduleKind::cosine, r, 2, 5, 0.0});  // T = 10
  for (int t = 0; t < 10; ++t) {
    const double expected = r * (1.0 + std::cos(3.14159265358979323846 * t / 10.0)) / 2.0;
    CHECK(s.at(t / 5, static_cast<size_t>(t % 5)) == doctest::Approx(expected));
  }
  CHECK(s.at(0, 0) == doctest::Approx(r));
  CHECK(s.at(1, 0) == doctest::Approx(r / 2));  // halfway
}

TEST_CASE("cosine with warm-up rises linearly to the peak and then decays") {
  // 3 epochs of 4 steps, 1 warm-up epoch: W = 4, T = 12.
  const LearningRateSchedule s({ScheduleKind::cosine, 1.0, 3, 4, 1.0});
  CHECK(s.at(0, 0) == doctest::Approx(0.25));
  CHECK(s.at(0, 1) == doctest::Approx(0.5));
  CHECK(s.at(0, 3) == doctest::Approx(1.0));
  CHECK(s.at(1, 0) == doctest::Approx(1.0));
  CHECK(s.at(2, 0) == doctest::Approx(0.5));  // (8 - 4) / (12 - 4) = half way
  CHECK(s.at(2, 3) == doctest::Approx((1.0 + std::cos(3.14159265358979323846 * 7 / 8)) / 2));
  CHECK(s.at(2, 3) > 0.0);
}

TEST_CASE("cosine whose warm-up covers every epoch stays at the peak after it") {
  const LearningRateSchedule s({ScheduleKind::cosine, 1.0, 2, 2, 2.0});
  CHECK(s.at(0, 0) == doctest::Approx(0.25));
  CHECK(s.at(1, 1) == doctest::Approx(1.0));
}

TEST_CASE("schedule settings out of range are rejected with invalid_argument") {
  auto status_of = [](const ScheduleConfig& c) {
    try {
      LearningRateSchedule s(c);
    } catch (const kcell::Error& e) {
      return e.status();
    }
    return kcell::Status::ok;
  };
  using kcell::Status;
  CHECK(status_of({ScheduleKind::cosine, 1e-3, 10, 100, 0.5}) == Status::ok);
  CHECK(status_of({ScheduleKind::constant, 0.0, 10, 100, 0.0}) == Status::invalid_argument);
  CHECK(status_of({ScheduleKind::constant, NAN, 10, 100, 0.0}) == Status::invalid_argument);
  CHECK(status_of({ScheduleKind::constant, 1e-3, 0, 100, 0.0}) == Status::invalid_argument);
  CHECK(status_of({ScheduleKind::cosine, 1e-3, 10, 100, 11.0}) == Status::invalid_argument);
  CHECK(status_of({ScheduleKind::cosine, 1e-3, 10, 100, -1.0}) == Status::invalid_argument);
  CHECK(status_of({static_cast<ScheduleKind>(9), 1e-3, 10, 100, 0.0}) == Status::invalid_argument);
}
