// Calibrated probabilities (infer/calibration_metrics, temperature_scaling, conformal,
// probability_calibration): the metrics on a hand-worked case, temperature scaling's fit,
// the conformal coverage guarantee over repeated random splits, the joint fit with the
// decision bias, and the calibration's place in model files.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "common/rng.hpp"
#include "infer/calibration_metrics.hpp"
#include "infer/conformal.hpp"
#include "infer/decision_bias.hpp"
#include "infer/evaluate.hpp"
#include "infer/predict.hpp"
#include "infer/probability_calibration.hpp"
#include "infer/temperature_scaling.hpp"
#include "model/model_file.hpp"
#include "test_data_support.hpp"
#include "test_model_file_support.hpp"
#include "test_train_support.hpp"
#include "train/trainer.hpp"

namespace {

using kcell::Status;

double normal(kcell::SplitMix64& rng) {  // Box-Muller
  const double u = 1.0 - rng.uniform01(), v = rng.uniform01();
  return std::sqrt(-2.0 * std::log(u)) * std::cos(6.283185307179586 * v);
}

// n rows of k logits scale·N(0, 1) and labels drawn from softmax(logits / t): a model
// whose right temperature is t.
struct Rows {
  std::vector<float> logits, probs;  // probs: softmax(logits)
  std::vector<int32_t> labels;
};
Rows draw_rows(size_t n, int k, double scale, double t, kcell::SplitMix64& rng) {
  Rows r;
  const size_t kk = static_cast<size_t>(k);
  r.logits.resize(n * kk);
  r.probs.resize(n * kk);
  for (float& z : r.logits) z = static_cast<float>(scale * normal(rng));
  std::vector<float> scaled(r.logits), truth(n * kk);
  kcell::infer::apply_temperature(scaled.data(), scaled.size(), t);
  kcell::infer::softmax_rows(scaled.data(), n, k, truth.data());
  kcell::infer::softmax_rows(r.logits.data(), n, k, r.probs.data());
  for (size_t i = 0; i < n; ++i) {
    double u = rng.uniform01(), sum = 0.0;
    int32_t y = k - 1;
    for (int c = 0; c < k; ++c)
      if (u < (sum += truth[i * kk + static_cast<size_t>(c)])) {
        y = c;
        break;
      }
    r.labels.push_back(y);
  }
  return r;
}

}  // namespace

TEST_CASE("calibration metrics of a hand-worked case: ECE, classwise ECE, NLL, Brier, AURC") {
  // Confidences 0.875 (right), 0.75 (wrong), 0.75 (right), 0.5 (a tie: class 0, wrong).
  const std::vector<float> p = {0.875f, 0.125f, 0.75f, 0.25f, 0.25f, 0.75f, 0.5f, 0.5f};
  const std::vector<int32_t> y = {0, 1, 1, 1};
  const kcell::infer::CalibrationMetrics m =
      kcell::infer::compute_calibration(p.data(), y.data(), 4, 2);
  CHECK(m.ece == doctest::Approx(0.28125));
  CHECK(m.classwise_ece == doctest::Approx(0.40625));
  CHECK(m.nll ==
        doctest::Approx(-(std::log(0.875) + std::log(0.25) + std::log(0.75) + std::log(0.5)) / 4));
  CHECK(m.brier == doctest::Approx(0.4453125));
  CHECK(m.aurc == doctest::Approx((0.0 + 0.5 + 1.0 / 3 + 0.5) / 4));
  CHECK(m.bins[13].count == 1);
  CHECK(m.bins[11].count == 2);
  CHECK(m.bins[11].accuracy == doctest::Approx(0.5));
  CHECK(m.bins[11].confidence == doctest::Approx(0.75));
  CHECK(m.bins[7].count == 1);
  CHECK(m.risk_coverage[0].coverage == doctest::Approx(0.25));  // at least one image
  CHECK(m.risk_coverage[0].accuracy == 1.0);
  CHECK(m.risk_coverage[19].coverage == 1.0);
  CHECK(m.risk_coverage[19].accuracy == 0.5);
  CHECK(m.risk_coverage[19].threshold == 0.5);

  const std::vector<int32_t> bad = {0, 2, 1, 1};
  kcell::test::check_error([&] { kcell::infer::compute_calibration(p.data(), bad.data(), 4, 2); },
                           Status::invalid_argument, "label 2");
  std::vector<float> nan = p;
  nan[3] = std::numeric_limits<float>::quiet_NaN();
  kcell::test::check_error([&] { kcell::infer::compute_calibration(nan.data(), y.data(), 4, 2); },
                           Status::not_finite, "row 1");
}

TEST_CASE("temperature scaling recovers the temperature the labels were drawn at") {
  kcell::SplitMix64 rng(11);
  const Rows r = draw_rows(20000, 4, 3.0, 2.5, rng);
  const double t = kcell::infer::fit_temperature(r.logits.data(), r.labels.data(), 20000, 4);
  CHECK(t == doctest::Approx(2.5).epsilon(0.05));
  // It is the minimum: a step either way costs.
  const double at = kcell::infer::temperature_nll(r.logits.data(), r.labels.data(), 20000, 4, t);
  CHECK(at < kcell::infer::temperature_nll(r.logits.data(), r.labels.data(), 20000, 4, t * 1.01));
  CHECK(at < kcell::infer::temperature_nll(r.logits.data(), r.labels.data(), 20000, 4, t / 1.01));
  // An overconfident model's (t > 1) and an underconfident one's (t < 1) alike.
  kcell::SplitMix64 rng2(12);
  const Rows shy = draw_rows(20000, 3, 1.0, 0.5, rng2);
  CHECK(kcell::infer::fit_temperature(shy.logits.data(), shy.labels.data(), 20000, 3) ==
        doctest::Approx(0.5).epsilon(0.05));
}

TEST_CASE("temperature scaling stops at the bound when the loss falls all the way") {
  // Every row right: sharper is always better, down to the smallest temperature.
  const std::vector<float> z = {2.f, 0.f, 0.f, 1.f, 3.f, -1.f};
  const std::vector<int32_t> y = {0, 1, 0};
  CHECK(kcell::infer::fit_temperature(z.data(), y.data(), 3, 2) == kcell::model::kMinTemperature);
  // Every row wrong with equal margins: flatter is always better, up to the largest.
  const std::vector<int32_t> wrong = {1, 0, 1};
  CHECK(kcell::infer::fit_temperature(z.data(), wrong.data(), 3, 2) ==
        kcell::model::kMaxTemperature);
  std::vector<float> inf = z;
  inf[0] = std::numeric_limits<float>::infinity();
  kcell::test::check_error([&] { kcell::infer::fit_temperature(inf.data(), y.data(), 3, 2); },
                           Status::invalid_argument, "not finite");
}

TEST_CASE("the LAC quantile is the ceil((n+1)(1-alpha))-th smallest score, infinite for too few") {
  // Scores 1 - p[label] = 0.1 .. 1.9 / 2 ... for 19 rows: 1 - p = i / 20.
  std::vector<float> p;
  std::vector<int32_t> y;
  for (int i = 1; i <= 19; ++i) {
    const float q = 1.f - static_cast<float>(i) / 20.f;
    p.push_back(q);
    p.push_back(1.f - q);
    y.push_back(0);
  }
  // (19 + 1) · 0.9 = 18: the 18th smallest score, 18 / 20.
  CHECK(kcell::infer::conformal_quantile(p.data(), y.data(), 19, 2, 0.1) ==
        doctest::Approx(1.0 - static_cast<double>(1.f - 18.f / 20.f)));
  // (19 + 1) · 0.95 = 19 exactly: the largest score, not infinity.
  CHECK(std::isfinite(kcell::infer::conformal_quantile(p.data(), y.data(), 19, 2, 0.05)));
  // (18 + 1) · 0.95 = 18.05: more rows than there are.
  CHECK(std::isinf(kcell::infer::conformal_quantile(p.data(), y.data(), 18, 2, 0.05)));
  kcell::test::check_error(
      [&] { kcell::infer::conformal_quantile(p.data(), y.data(), 19, 2, 1.0); },
      Status::invalid_argument, "alpha");
  // An infinite quantile puts every class in every set.
  std::vector<uint8_t> sets(4);
  kcell::infer::conformal_sets(p.data(), 2, 2, std::numeric_limits<double>::infinity(),
                               sets.data());
  CHECK(std::all_of(sets.begin(), sets.end(), [](uint8_t s) { return s == 1; }));
}

TEST_CASE("LAC sets cover rank/(n+1) in [1-alpha, 1-alpha+1/(n+1)] over repeated random splits") {
  // Exchangeable rows (drawn alike), split at random into n calibration rows and m test
  // rows, R times. For continuous scores the expected coverage is exactly rank / (n + 1),
  // rank = ceil((n + 1)(1 - alpha)); the mean of R coverages must be within 4 standard
  // errors of it (estimated from the R values; seeded, so the test is deterministic). A
  // rank one too small or too large moves the mean by 1/(n+1), about 13 standard errors.
  const size_t n = 100, m = 400, repeats = 2000;
  const int k = 5;
  for (const double alpha : {0.1, 0.05}) {
    kcell::SplitMix64 rng(alpha == 0.1 ? 21 : 22);
    std::vector<double> coverages;
    for (size_t r = 0; r < repeats; ++r) {
      const Rows cal = draw_rows(n, k, 2.0, 1.0, rng);
      const Rows test = draw_rows(m, k, 2.0, 1.0, rng);
      kcell::model::Conformal c;
      c.alpha = alpha;
      c.calibration_count = static_cast<int64_t>(n);
      c.quantile =
          kcell::infer::conformal_quantile(cal.probs.data(), cal.labels.data(), n, k, alpha);
      coverages.push_back(
          kcell::infer::evaluate_conformal(test.probs.data(), test.labels.data(), m, k, c)
              .coverage);
    }
    double mean = 0.0, square = 0.0;
    for (double v : coverages) mean += v / static_cast<double>(repeats);
    for (double v : coverages) square += (v - mean) * (v - mean);
    const double se = std::sqrt(square / static_cast<double>(repeats - 1)) /
                      std::sqrt(static_cast<double>(repeats));
    const double rank = std::ceil((n + 1) * (1.0 - alpha) - 1e-9);
    const double expected = rank / static_cast<double>(n + 1);
    INFO("alpha ", alpha, " mean coverage ", mean, " expected ", expected, " se ", se);
    CHECK(expected >= 1.0 - alpha);
    CHECK(expected < 1.0 - alpha + 1.0 / static_cast<double>(n + 1));
    CHECK(std::fabs(mean - expected) < 4.0 * se);
    CHECK(se < 0.1 / static_cast<double>(n + 1));
  }
}

TEST_CASE(
    "calibration fits the temperature with the validation bias, and prediction applies both") {
  const kcell::data::Dataset data = kcell_test::make_train_dataset(96, 64, 5);
  auto model = std::make_unique<kcell::model::Model>(
      kcell::spec::parse_architecture("conv(4,3) relu flatten dense"), 1, 8, 8, 3, 3);
  kcell::train::TrainConfig config;
  config.epochs = 3;
  config.batch_size = 16;
  config.decision = kcell::train::DecisionFit::validation_priors;
  kcell::train::train(*model, data, &data, config);
  REQUIRE(model->decision_rule() == kcell::model::DecisionRule::validation_priors);
  model->set_tta(kcell::model::Tta::flips);

  const auto val = kcell::data::SplitId::val;
  const kcell::infer::CalibrationFit fit =
      kcell::infer::calibrate_probabilities(*model, data, val, 0.1);
  CHECK(fit.bias_refitted);
  CHECK(model->temperature() == fit.temperature);
  CHECK(fit.nll <= fit.nll_before + 1e-9);
  REQUIRE(model->conformal().has_value());
  CHECK(model->conformal()->alpha == 0.1);
  CHECK(model->conformal()->calibration_count == 64);

  // The joint optimum: the bias is the validation-prior fit under the temperature, and the
  // temperature the NLL minimum under that bias.
  const kcell::infer::Evaluation e =
      kcell::infer::evaluate(*model, data, val, 128, true, std::nullopt, true);
  std::vector<float> scaled(e.logits), tempered(e.logits.size());
  kcell::infer::apply_temperature(scaled.data(), scaled.size(), fit.temperature);
  kcell::infer::softmax_rows(scaled.data(), e.count, 3, tempered.data());
  const std::vector<float> shares =
      kcell::infer::fit_decision_bias(tempered.data(), e.labels.data(), e.count, 3);
  for (int c = 0; c < 3; ++c)
    CHECK(model->decision_bias()[c] == doctest::Approx(shares[c]).epsilon(1e-3));
  const double best = kcell::infer::temperature_nll(e.logits.data(), e.labels.data(), e.count, 3,
                                                    fit.temperature, shares);
  CHECK(best <= kcell::infer::temperature_nll(e.logits.data(), e.labels.data(), e.count, 3,
                                              fit.temperature * 1.05, shares));
  CHECK(best <= kcell::infer::temperature_nll(e.logits.data(), e.labels.data(), e.count, 3,
                                              fit.temperature / 1.05, shares));

  // Prediction gives evaluation's probabilities: views' mean, then temperature, then bias.
  const kcell::data::Split& split = data.split(val);
  std::vector<float> predicted(e.probabilities.size());
  kcell::infer::predict(*model, split.images.data(), split.count, kcell::infer::Layout::nchw,
                        predicted.data());
  for (size_t i = 0; i < predicted.size(); ++i)
    CHECK(predicted[i] == doctest::Approx(e.probabilities[i]).epsilon(1e-5));
  std::vector<float> by_hand(e.probabilities.size());
  kcell::infer::softmax_rows(scaled.data(), e.count, 3, by_hand.data(),
                             model->decision_bias().data());
  for (size_t i = 0; i < by_hand.size(); ++i)
    CHECK(by_hand[i] == doctest::Approx(e.probabilities[i]).epsilon(1e-5));

  // Training again resets the calibration: it belonged to the old weights.
  config.epochs = 1;
  kcell::train::train(*model, data, &data, config);
  CHECK(model->temperature() == 1.0);
  CHECK_FALSE(model->conformal().has_value());
}

TEST_CASE("model files keep the temperature and conformal sets; files without stay version 1") {
  auto model = kcell::test::make_test_model();
  const std::vector<uint8_t> plain = kcell::model::save_model_to_memory(*model, "t");
  CHECK(kcell::test::as_text(kcell::test::read_members(plain)["kcell.json"])
            .find("\"format_version\": 1") != std::string::npos);
  model->set_temperature(1.75);
  kcell::model::Conformal c;
  c.alpha = 0.05;
  c.quantile = std::numeric_limits<double>::infinity();
  c.calibration_count = 12;
  model->set_conformal(c);
  const std::vector<uint8_t> bytes = kcell::model::save_model_to_memory(*model, "t");
  const std::string json = kcell::test::as_text(kcell::test::read_members(bytes)["kcell.json"]);
  CHECK(json.find("\"format_version\": 2") != std::string::npos);
  const auto loaded = kcell::model::load_model_from_memory(bytes.data(), bytes.size());
  CHECK(loaded->temperature() == 1.75);
  REQUIRE(loaded->conformal().has_value());
  CHECK(loaded->conformal()->alpha == 0.05);
  CHECK(std::isinf(loaded->conformal()->quantile));
  CHECK(loaded->conformal()->calibration_count == 12);
  const auto old = kcell::model::load_model_from_memory(plain.data(), plain.size());
  CHECK(old->temperature() == 1.0);
  CHECK_FALSE(old->conformal().has_value());

  kcell::test::Members members = kcell::test::read_members(bytes);
  members["kcell.json"] = kcell::test::as_bytes(
      kcell::test::replace_once(json, "\"temperature\": 1.75", "\"temperature\": 0.0"));
  const std::vector<uint8_t> cold = kcell::test::write_members(members);
  kcell::test::check_error([&] { kcell::model::load_model_from_memory(cold.data(), cold.size()); },
                           Status::format, "temperature");
  kcell::test::check_error([&] { model->set_temperature(1000.0); }, Status::invalid_argument,
                           "temperature");
}
