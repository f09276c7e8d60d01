// The decision rule fitted on validation (infer/decision_bias.hpp), its place in model files
// and in prediction, and the recipe's length rule (train/recipe.hpp).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "infer/decision_bias.hpp"
#include "infer/predict.hpp"
#include "model/model_file.hpp"
#include "nn/dnnl_compat.hpp"
#include "test_model_file_support.hpp"
#include "train/prior_shift.hpp"
#include "train/recipe.hpp"

namespace {

// Scores of a classifier trained where class 1 was 9 times as common as class 0: for an
// image of class y, logit difference z1 - z0 = s + log(9) with s ~ N(+-1.5, 1). Labels are
// drawn with P(class 0) = prior0.
struct Scored {
  std::vector<float> probabilities;  // n × 2
  std::vector<int32_t> labels;
};

Scored shifted_prior_set(size_t n, double prior0, uint32_t seed) {
  std::mt19937 rng(seed);
  std::bernoulli_distribution is0(prior0);
  std::normal_distribution<double> noise(0.0, 1.0);
  Scored s;
  for (size_t i = 0; i < n; ++i) {
    const int y = is0(rng) ? 0 : 1;
    const double d = (y == 1 ? 1.5 : -1.5) + noise(rng) + std::log(9.0);
    const double p1 = 1.0 / (1.0 + std::exp(-d));
    s.probabilities.push_back(static_cast<float>(1.0 - p1));
    s.probabilities.push_back(static_cast<float>(p1));
    s.labels.push_back(y);
  }
  return s;
}

double accuracy_with(const Scored& s, const std::vector<float>& bias) {
  size_t hits = 0;
  for (size_t i = 0; i < s.labels.size(); ++i) {
    const double z0 = std::log(s.probabilities[2 * i]) + (bias.empty() ? 0.0 : bias[0]);
    const double z1 = std::log(s.probabilities[2 * i + 1]) + (bias.empty() ? 0.0 : bias[1]);
    hits += (z1 > z0 ? 1 : 0) == s.labels[i];
  }
  return static_cast<double>(hits) / static_cast<double>(s.labels.size());
}

}  // namespace

TEST_CASE("a bias fitted on validation with the test's priors raises test accuracy") {
  // Validation and test both have 40 % class 0; training had 10 %.
  const Scored val = shifted_prior_set(600, 0.4, 1);
  const Scored test = shifted_prior_set(4000, 0.4, 2);
  const std::vector<float> bias =
      kcell::infer::fit_decision_bias(val.probabilities.data(), val.labels.data(), 600, 2);
  REQUIRE(bias.size() == 2);
  CHECK(bias[0] + bias[1] == doctest::Approx(0.0).epsilon(1e-6));  // centred
  CHECK(bias[0] > bias[1]);  // towards the class training made rare
  // Of the order of the log(9) training prior minus the log(0.6/0.4) validation one.
  CHECK(bias[0] - bias[1] > 0.5);
  CHECK(bias[0] - bias[1] < 4.0);
  const double plain = accuracy_with(test, {}), adjusted = accuracy_with(test, bias);
  MESSAGE("test accuracy plain " << plain << ", with the fitted bias " << adjusted);
  CHECK(adjusted > plain + 0.05);
}

TEST_CASE("with unshifted priors the fitted bias stays small and costs no accuracy") {
  // Training priors equal validation priors: the classifier's scores need no shift.
  std::mt19937 rng(5);
  std::normal_distribution<double> noise(0.0, 1.0);
  std::vector<float> p;
  std::vector<int32_t> y;
  for (int i = 0; i < 2000; ++i) {
    const int label = i % 2;
    const double d = (label ? 1.0 : -1.0) * 2.0 + noise(rng);
    const double p1 = 1.0 / (1.0 + std::exp(-d));
    p.push_back(static_cast<float>(1.0 - p1));
    p.push_back(static_cast<float>(p1));
    y.push_back(label);
  }
  const std::vector<float> bias = kcell::infer::fit_decision_bias(p.data(), y.data(), 2000, 2);
  CHECK(std::fabs(bias[0] - bias[1]) < 0.15);
}

TEST_CASE("fitting a decision bias refuses empty, mislabelled and non-finite rows") {
  const std::vector<float> p = {0.5f, 0.5f, NAN, 0.5f};
  const std::vector<int32_t> good = {0, 1}, bad = {0, 2};
  CHECK_THROWS(kcell::infer::fit_decision_bias(p.data(), good.data(), 0, 2));
  CHECK_THROWS(kcell::infer::fit_decision_bias(p.data(), bad.data(), 1 + 1, 2));
  CHECK_THROWS(kcell::infer::fit_decision_bias(p.data(), good.data(), 2, 2));
  // An absent class gets a finite bias (the smoothed target keeps it off -infinity).
  const std::vector<float> q = {0.9f, 0.1f, 0.8f, 0.2f};
  const std::vector<int32_t> zeros = {0, 0};
  for (float b : kcell::infer::fit_decision_bias(q.data(), zeros.data(), 2, 2))
    CHECK(std::isfinite(b));
}

TEST_CASE("the decision bias round-trips through a model file and prediction applies it") {
  auto model = kcell::test::make_test_model();
  const std::vector<uint8_t> plain = kcell::model::save_model_to_memory(*model, "t");
  auto old_style = kcell::model::load_model_from_memory(plain.data(), plain.size());
  CHECK(old_style->decision_bias().empty());  // a file without one loads as plain argmax
  CHECK(
      kcell::test::as_text(kcell::test::read_members(plain)["kcell.json"]).find("decision_bias") ==
      std::string::npos);

  std::vector<uint8_t> image(model->input_size(), 100);
  std::vector<float> before(3), after(3);
  kcell::infer::predict(*model, image.data(), 1, kcell::infer::Layout::nchw, before.data());
  model->set_decision_bias({2.0f, 0.0f, -2.0f});
  const std::vector<uint8_t> biased = kcell::model::save_model_to_memory(*model, "t");
  auto loaded = kcell::model::load_model_from_memory(biased.data(), biased.size());
  CHECK(loaded->decision_bias() == std::vector<float>{2.0f, 0.0f, -2.0f});
  kcell::infer::predict(*loaded, image.data(), 1, kcell::infer::Layout::nchw, after.data());
  // softmax(z + b): the odds of class 0 over class 2 grow by e^4.
  CHECK(std::log(after[0] / after[2]) - std::log(before[0] / before[2]) ==
        doctest::Approx(4.0).epsilon(1e-4));
  CHECK_THROWS(model->set_decision_bias({1.0f}));
  CHECK_THROWS(model->set_decision_bias({0.f, NAN, 0.f}));
}

TEST_CASE("the run length follows the number of optimiser steps") {
  using kcell::train::resolve_length;
  const kcell::train::TrainConfig r = kcell::train::recommended_config();
  // PneumoniaMNIST-sized: 31 steps per epoch -> ceil(2000 / 31) = 65 epochs.
  const kcell::train::TrainConfig small = resolve_length(r, 3882);
  CHECK(small.epochs == 65);
  CHECK(small.warmup_epochs == doctest::Approx(0.05 * 65));
  CHECK(small.validate_every == 1);
  CHECK(small.early_stopping.patience == 17);  // a quarter of 65 validations
  // A tiny set: 5 steps per epoch -> capped at 200 epochs, validated every 4.
  const kcell::train::TrainConfig tiny = resolve_length(r, 546);
  CHECK(tiny.epochs == 200);
  CHECK(tiny.validate_every == 4);
  CHECK(tiny.early_stopping.patience == 13);
  // Fashion-MNIST-sized: 469 steps -> at least 10 epochs.
  CHECK(resolve_length(r, 60000).epochs == 10);
  // TissueMNIST-sized: 1,293 steps -> the 12,000-step budget allows 9 epochs.
  CHECK(resolve_length(r, 165466).epochs == 9);
  // Explicit settings stay; a warm-up is never more than a fifth of the run.
  kcell::train::TrainConfig explicit_one = r;
  explicit_one.epochs = 1;
  explicit_one.warmup_epochs = 1.0;
  const kcell::train::TrainConfig one = resolve_length(explicit_one, 3882);
  CHECK(one.epochs == 1);
  CHECK(one.warmup_epochs == doctest::Approx(0.2));
}

TEST_CASE("a slower CPU shortens large-set runs but never below about 2,000 steps") {
  using kcell::train::resolve_length;
  const kcell::train::TrainConfig r = kcell::train::recommended_config();
  // TissueMNIST-sized with resnet10 (cost 2.6): 3 epochs with AVX-512 BF16, 1 with AVX2.
  CHECK(resolve_length(r, 165466, 2.6, 1.0).epochs == 3);
  CHECK(resolve_length(r, 165466, 2.6, 0.25).epochs == 1);
  // Fashion-MNIST-sized: the 10-epoch floor gives way to the budget (12,000 / 2.6 steps:
  // 9 epochs), on AVX2 down to 2,000 steps (floor(2000 / 469) = 4 epochs).
  CHECK(resolve_length(r, 60000, 2.6, 1.0).epochs == 9);
  CHECK(resolve_length(r, 60000, 2.6, 0.25).epochs == 4);
  // PneumoniaMNIST-sized: its 2,000 steps stay (64 whole epochs of 31 steps).
  CHECK(resolve_length(r, 3882, 1.9, 0.25).epochs == 64);
  CHECK(resolve_length(r, 546, 1.9, 0.25).epochs == 200);
  // A rate that is no number at all leaves the 2,000-step floor.
  CHECK(resolve_length(r, 165466, 2.6, std::nan("")).epochs == 1);
}

TEST_CASE("the machine rate is 1 with AVX-512 BF16 and halves per missing feature") {
  const double rate = kcell::train::machine_training_rate();
  const double width = kcell::nn::compat::cpu_vector_bits() / 512.0;
  CHECK(rate == doctest::Approx(kcell::nn::compat::cpu_has_bf16() ? width : width / 2));
  CHECK(rate <= 1.0);
  CHECK(rate >= 0.0625);
}

TEST_CASE("small sets get the slim network where training is four times slower") {
  using kcell::train::recommended_architecture;
  // Small sets keep their 2,000 steps on every CPU, so their network narrows instead.
  CHECK(std::string(recommended_architecture(3882, 1.0)) == "resnet8");
  CHECK(std::string(recommended_architecture(3882, 0.5)) == "resnet8");
  CHECK(std::string(recommended_architecture(3882, 0.25)) == "resnet8-slim");
  CHECK(std::string(recommended_architecture(0, 0.25)) == "resnet8-slim");
  // Large sets keep resnet10 everywhere: the length rule shortens them instead.
  CHECK(std::string(recommended_architecture(20000, 1.0)) == "resnet10");
  CHECK(std::string(recommended_architecture(165466, 0.25)) == "resnet10");
  // This CPU's choice is the rule at its own rate.
  const double rate = kcell::train::machine_training_rate();
  CHECK(std::string(recommended_architecture(3882)) == recommended_architecture(3882, rate));
  // The slim preset is resnet8 at half the width: about a quarter of its FLOPs.
  const double full =
      kcell::train::relative_cost(kcell::spec::parse_architecture("resnet8"), 1, 28, 28, 2);
  const double slim =
      kcell::train::relative_cost(kcell::spec::parse_architecture("resnet8-slim"), 1, 28, 28, 2);
  CHECK(slim / full == doctest::Approx(0.25).epsilon(0.05));
}

TEST_CASE("automatic test-time augmentation costs at most what the training did") {
  using kcell::model::Tta;
  using kcell::train::affordable_tta;
  // PneumoniaMNIST: 65 epochs of 3,882 images against 1,148 evaluated: every view.
  CHECK(affordable_tta(Tta::dihedral, 65.0 * 3882, 524 + 624) == Tta::dihedral);
  // TissueMNIST, one epoch (AVX2): 3 x 165,466 passes buy 7 views of 70,920 images.
  CHECK(affordable_tta(Tta::dihedral, 165466.0, 23640 + 47280) == Tta::flips4);
  // Three epochs (AVX-512 BF16) buy all 8.
  CHECK(affordable_tta(Tta::dihedral, 3.0 * 165466, 23640 + 47280) == Tta::dihedral);
  // Never more than asked for, never fewer than one view.
  CHECK(affordable_tta(Tta::flips, 1e9, 10) == Tta::flips);
  CHECK(affordable_tta(Tta::dihedral, 1.0, 1000000) == Tta::none);
  CHECK(affordable_tta(Tta::dihedral, 165466.0, 0) == Tta::dihedral);  // nothing to evaluate
}

TEST_CASE("a decision score counts argmax of the biased log-probabilities") {
  // Two classes, three rows; the bias moves the middle row from class 0 to class 1.
  const float p[] = {0.9f, 0.1f, 0.6f, 0.4f, 0.2f, 0.8f};
  const int32_t labels[] = {0, 1, 1};
  CHECK(kcell::infer::decision_score(p, labels, 3, 2, {}, false) == doctest::Approx(2.0 / 3));
  CHECK(kcell::infer::decision_score(p, labels, 3, 2, {-0.5f, 0.5f}, false) ==
        doctest::Approx(1.0));
  // Balanced: the mean of recalls 1 (class 0) and 1/2 (class 1).
  CHECK(kcell::infer::decision_score(p, labels, 3, 2, {}, true) == doctest::Approx(0.75));
}

TEST_CASE("a likelihood-fitted bias can decide worse than argmax on the rows it was fitted on") {
  // Why the automatic rule checks the bias it fits: a miscalibrated model (class 0 barely
  // right, class 1 confidently wrong) has too little mean probability on class 1, so the
  // maximum-likelihood bias raises class 1 until the barely-right rows flip to it.
  std::vector<float> p;
  std::vector<int32_t> labels;
  for (int i = 0; i < 6; ++i) p.insert(p.end(), {0.52f, 0.48f}), labels.push_back(0);
  for (int i = 0; i < 3; ++i) p.insert(p.end(), {0.99f, 0.01f}), labels.push_back(1);
  p.insert(p.end(), {0.45f, 0.55f});
  labels.push_back(1);
  const std::vector<float> bias = kcell::infer::fit_decision_bias(p.data(), labels.data(), 10, 2);
  CHECK(bias[1] > bias[0]);
  const double plain = kcell::infer::decision_score(p.data(), labels.data(), 10, 2, {}, false);
  CHECK(plain == doctest::Approx(0.7));
  CHECK(kcell::infer::decision_score(p.data(), labels.data(), 10, 2, bias, false) < plain);
}

TEST_CASE("the prior-shift test passes same-mix splits and flags a shifted mix") {
  using kcell::train::class_priors_p_value;
  // PneumoniaMNIST's shortened training split (10 % normal) against its validation (26 %).
  CHECK(class_priors_p_value({388, 3494}, {135, 389}) < kcell::train::kPriorShiftPValue);
  // Same shares, different sizes: no evidence at all.
  CHECK(class_priors_p_value({1000, 3000, 500}, {100, 300, 50}) > 0.99);
  // A small wobble a random split makes is not enough either.
  CHECK(class_priors_p_value({1000, 3000}, {110, 290}) > kcell::train::kPriorShiftPValue);
  // Chi-square with 1 degree of freedom at 10.83 has p = 0.001: the approximation is close.
  const double p = class_priors_p_value({600, 400}, {500, 500});  // chi2 = 20.2
  CHECK(p < 1e-4);
  CHECK(class_priors_p_value({5}, {7}) == 1.0);
  CHECK(class_priors_p_value({0, 0}, {3, 4}) == 1.0);
}

TEST_CASE("a balanced decision bias is the validation-prior bias moved to equal priors") {
  // Probabilities that favour class 1 three to one on average; a quarter of the labels are 0.
  std::vector<float> p;
  std::vector<int32_t> y;
  for (int i = 0; i < 400; ++i) {
    const float q = i % 4 == 0 ? 0.6f : 0.1f;
    p.push_back(q);
    p.push_back(1.f - q);
    y.push_back(i % 4 == 0 ? 0 : 1);
  }
  const std::vector<float> prior = kcell::infer::fit_decision_bias(
      p.data(), y.data(), 400, 2, kcell::infer::BiasTarget::label_shares);
  const std::vector<float> b = kcell::infer::fit_decision_bias(
      p.data(), y.data(), 400, 2, kcell::infer::BiasTarget::equal_priors);
  // Bayes' rule from priors π = (101, 301) / 402 to equal ones: b_c - log π_c, centred.
  const double shift = std::log(301.0 / 101.0);
  CHECK((b[0] - b[1]) == doctest::Approx((prior[0] - prior[1]) + shift).epsilon(1e-4));
  CHECK(b[0] > prior[0]);
  // Not forced to equal shares of predictions: the rows of label 0 (p0 = 0.6) and of label 1
  // (p0 = 0.1) are still told apart.
  const auto decides_0 = [&](float p0) { return std::log(p0) + b[0] > std::log(1.f - p0) + b[1]; };
  CHECK(decides_0(0.6f));
  CHECK_FALSE(decides_0(0.1f));
}
