// The trainer with a weight average (EMA) and with batch mixing: the model ends with the
// average of the training trajectory (of the best epoch with a monitor), validation sees
// it, and mixed batches train to a finite loss reproducibly.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <variant>
#include <vector>

#include "common/error.hpp"
#include "infer/evaluate.hpp"
#include "model/model.hpp"
#include "spec/architecture.hpp"
#include "test_train_support.hpp"
#include "train/trainer.hpp"
#include "train/weight_average.hpp"

using kcell::data::Dataset;
using kcell::data::SplitId;
using kcell::model::Model;
using kcell::train::EpochStats;
using kcell::train::Progress;
using kcell::train::TrainConfig;

namespace {

using Values = std::vector<std::vector<float>>;  // params then buffers

Model make_model() {
  return Model(kcell::spec::parse_architecture("conv(4,3) bn relu maxpool(2) flatten dense"), 1, 8,
               8, 3, 4);
}

TrainConfig small_config() {
  TrainConfig c;
  c.epochs = 3;
  c.batch_size = 16;
  c.learning_rate = 0.01;
  c.num_threads = 1;
  c.seed = 8;
  return c;
}

Values values_of(Model& model) {
  Values out;
  for (const kcell::nn::Param* p : model.network().params()) out.push_back(p->value);
  for (const kcell::nn::Buffer* b : model.network().buffers()) out.push_back(b->value);
  return out;
}

// The average as the rule states it, followed from the weights after every step (the
// phase-0 progress call comes after the step). `at_epoch_end` keeps it per epoch.
struct HandAverage {
  double decay;
  Values average, last;
  std::vector<Values> at_epoch_end;
  uint64_t steps = 0;

  bool follow(Model& model, const Progress& p) {
    if (p.phase == 1) {
      at_epoch_end.push_back(average);
      return true;
    }
    last = values_of(model);
    const double d = std::min(decay, (1.0 + steps) / (10.0 + steps));
    for (size_t t = 0; t < average.size(); ++t)
      for (size_t j = 0; j < average[t].size(); ++j)
        average[t][j] = static_cast<float>(d * average[t][j] + (1.0 - d) * last[t][j]);
    ++steps;
    return true;
  }
};

HandAverage train_following(Model& model, const Dataset& data, TrainConfig config) {
  HandAverage hand{config.ema_decay, values_of(model), {}, {}, 0};
  config.progress = [&](const Progress& p) { return hand.follow(model, p); };
  kcell::train::train(model, data, &data, config);
  return hand;
}

}  // namespace

TEST_CASE("with a weight average the model ends with the average of its trajectory") {
  const Dataset data = kcell_test::make_train_dataset(64, 32, 11);
  Model model = make_model();
  TrainConfig config = small_config();
  config.ema_decay = 0.9;
  std::vector<EpochStats> history;
  config.on_epoch = [&](const EpochStats& s) { history.push_back(s); };
  const HandAverage hand = train_following(model, data, config);
  CHECK(hand.steps == 3 * 4);
  CHECK(values_of(model) == hand.average);
  CHECK(values_of(model) != hand.last);  // the average is not the last weights
  // Validation saw the average: evaluating the kept model reproduces its numbers.
  // The batch size validation used: another one can round differently (AVX2's kernels).
  const kcell::infer::Evaluation e =
      kcell::infer::evaluate(model, data, SplitId::val, kcell::infer::kEvaluationBatchSize, true);
  REQUIRE(history.size() == 3u);
  CHECK(e.loss == doctest::Approx(history.back().val_loss).epsilon(1e-12));
  CHECK(std::get<double>(model.training_summary().parameters.at("ema_decay")) == 0.9);
}

TEST_CASE("a vanishing decay gives the last weights, and training does not see the average") {
  const Dataset data = kcell_test::make_train_dataset(64, 32, 12);
  Model plain = make_model(), averaged = make_model();
  TrainConfig config = small_config();
  kcell::train::train(plain, data, &data, config);
  config.ema_decay = 1e-30;  // every update takes the new weights
  const HandAverage hand = train_following(averaged, data, config);
  CHECK(values_of(averaged) == hand.last);
  CHECK(values_of(averaged) == values_of(plain));
}

TEST_CASE("with a monitor the model ends with the average of the best epoch") {
  const Dataset data = kcell_test::make_train_dataset(64, 32, 13, true);
  Model model = make_model();
  TrainConfig config = small_config();
  config.epochs = 4;
  config.ema_decay = 0.8;
  config.early_stopping.monitor = kcell::train::Monitor::val_loss;
  TrainConfig recorded = config;
  kcell::train::TrainResult result;
  HandAverage hand{config.ema_decay, values_of(model), {}, {}, 0};
  recorded.progress = [&](const Progress& p) { return hand.follow(model, p); };
  result = kcell::train::train(model, data, &data, recorded);
  REQUIRE(hand.at_epoch_end.size() == 4u);
  REQUIRE(result.best_epoch >= 0);
  CHECK(values_of(model) == hand.at_epoch_end[static_cast<size_t>(result.best_epoch)]);
}

TEST_CASE("a diverging run with a weight average keeps its last finite training weights") {
  const Dataset data = kcell_test::make_train_dataset(64, 0, 14);
  Model model = make_model();
  TrainConfig config = small_config();
  config.ema_decay = 0.9;
  config.learning_rate = 1e30;
  CHECK_THROWS_AS(kcell::train::train(model, data, nullptr, config), kcell::Error);
  for (const std::vector<float>& t : values_of(model))
    for (float v : t) REQUIRE(std::isfinite(v));
}

TEST_CASE("mixup and cutmix train to a finite loss, the same again with the same seed") {
  const Dataset data = kcell_test::make_train_dataset(64, 32, 15);
  Model one = make_model(), two = make_model(), unmixed = make_model();
  TrainConfig config = small_config();
  kcell::train::train(unmixed, data, &data, config);
  config.mixup_alpha = 0.4f;
  config.cutmix_alpha = 1.f;
  std::vector<EpochStats> history;
  config.on_epoch = [&](const EpochStats& s) { history.push_back(s); };
  kcell::train::train(one, data, &data, config);
  REQUIRE(history.size() == 3u);
  for (const EpochStats& s : history) {
    CHECK(std::isfinite(s.train_loss));
    CHECK(std::isfinite(s.val_loss));
  }
  config.on_epoch = nullptr;
  kcell::train::train(two, data, &data, config);
  CHECK(values_of(one) == values_of(two));
  CHECK(values_of(one) != values_of(unmixed));
  config.mixup_alpha = -1.f;
  Model bad = make_model();
  const Values before = values_of(bad);
  CHECK_THROWS_AS(kcell::train::train(bad, data, &data, config), kcell::Error);
  CHECK(values_of(bad) == before);
  config.mixup_alpha = 0.f;
  config.ema_decay = 1.0;
  CHECK_THROWS_AS(kcell::train::train(bad, data, &data, config), kcell::Error);
  CHECK(values_of(bad) == before);
}
