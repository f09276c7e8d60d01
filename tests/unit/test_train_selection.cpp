// Early stopping and model selection, the extra validation numbers per epoch, automatic
// class weights and the balanced sampler inside the training loop.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <variant>
#include <vector>

#include "common/error.hpp"
#include "common/rng.hpp"
#include "infer/evaluate.hpp"
#include "model/model.hpp"
#include "spec/architecture.hpp"
#include "test_train_support.hpp"
#include "train/class_weights.hpp"
#include "train/model_selection.hpp"
#include "train/trainer.hpp"

using kcell::data::Dataset;
using kcell::data::SplitId;
using kcell::model::Model;
using kcell::train::EpochStats;
using kcell::train::Monitor;
using kcell::train::TrainConfig;

namespace {

Model make_model(uint64_t seed) {
  return Model(kcell::spec::parse_architecture("conv(4,3) bn relu maxpool(2) flatten dense"), 1, 8,
               8, 3, seed);
}

TrainConfig config_with(Monitor monitor, int epochs, int patience) {
  TrainConfig c;
  c.epochs = epochs;
  c.batch_size = 16;
  c.learning_rate = 0.02;
  c.num_threads = 2;
  c.seed = 3;
  c.early_stopping.monitor = monitor;
  c.early_stopping.patience = patience;
  return c;
}

std::vector<std::vector<float>> weights_of(Model& m) {
  std::vector<std::vector<float>> out;
  for (const auto* p : m.network().params()) out.push_back(p->value);
  for (const auto* b : m.network().buffers()) out.push_back(b->value);
  return out;
}

bool same_bits(const std::vector<std::vector<float>>& a, const std::vector<std::vector<float>>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].size() != b[i].size() ||
        std::memcmp(a[i].data(), b[i].data(), a[i].size() * sizeof(float)) != 0)
      return false;
  return true;
}

}  // namespace

TEST_CASE("with a monitor the model ends with the best epoch's weights and numbers") {
  const Dataset data = kcell_test::make_train_dataset(96, 48, 11, true);
  Model model = make_model(4);
  TrainConfig config = config_with(Monitor::val_loss, 6, 0);
  std::vector<EpochStats> history;
  std::vector<std::vector<std::vector<float>>> weights;
  config.on_epoch = [&](const EpochStats& s) {
    history.push_back(s);
    weights.push_back(weights_of(model));
  };
  const auto result = kcell::train::train(model, data, &data, config);
  REQUIRE(history.size() == 6u);
  CHECK(result.epochs_run == 6);
  CHECK_FALSE(result.stopped_early);
  REQUIRE(result.best_epoch >= 0);
  size_t best = 0;
  for (size_t e = 1; e < history.size(); ++e)
    if (history[e].val_loss < history[best].val_loss) best = e;
  CHECK(result.best_epoch == static_cast<int>(best));
  CHECK(best != history.size() - 1);  // val labels are noise: the last epoch is not the best
  CHECK(same_bits(weights_of(model), weights[best]));

  // Evaluating the kept model reproduces the best epoch's validation numbers exactly.
  const auto e =
      kcell::infer::evaluate(model, data, SplitId::val, kcell::infer::kEvaluationBatchSize);
  CHECK(e.loss == history[best].val_loss);
  CHECK(e.accuracy == history[best].val_accuracy);

  const auto& summary = model.training_summary();
  CHECK(summary.epochs_trained == 6);
  CHECK(summary.best_epoch == static_cast<int>(best));
  CHECK(summary.val_loss == history.back().val_loss);  // the last epoch's, as documented
  CHECK(std::get<double>(summary.parameters.at("best_val_loss")) == history[best].val_loss);
  CHECK(std::get<std::string>(summary.parameters.at("monitor")) == "val_loss");
}

TEST_CASE("patience stops training once validation loss has not improved for that long") {
  const Dataset data = kcell_test::make_train_dataset(96, 48, 11, true);
  Model model = make_model(4);
  TrainConfig config = config_with(Monitor::val_loss, 40, 2);
  std::vector<EpochStats> history;
  config.on_epoch = [&](const EpochStats& s) { history.push_back(s); };
  const auto result = kcell::train::train(model, data, &data, config);
  CHECK(result.stopped_early);
  CHECK(result.epochs_run < 40);
  CHECK(static_cast<int>(history.size()) == result.epochs_run);
  CHECK(result.best_epoch == result.epochs_run - 1 - 2);
  for (int e = result.best_epoch + 1; e < result.epochs_run; ++e)
    CHECK(history[static_cast<size_t>(e)].val_loss >=
          history[static_cast<size_t>(result.best_epoch)].val_loss);
  CHECK(model.training_summary().epochs_trained == result.epochs_run);
  CHECK(std::get<double>(model.training_summary().parameters.at("stopped_early")) == 1.0);
}

TEST_CASE("each epoch records balanced accuracy, AUC and the train-validation gap") {
  const Dataset data = kcell_test::make_train_dataset(64, 32, 12);
  Model model = make_model(5);
  TrainConfig config = config_with(Monitor::val_auc, 2, 0);
  std::vector<EpochStats> history;
  config.on_epoch = [&](const EpochStats& s) { history.push_back(s); };
  kcell::train::train(model, data, &data, config);
  REQUIRE(history.size() == 2u);
  for (const auto& s : history) {
    CHECK(s.val_auc >= 0.0);
    CHECK(s.val_auc <= 1.0);
    CHECK(s.val_balanced_accuracy >= 0.0);
    CHECK(s.val_balanced_accuracy <= 1.0);
    CHECK(s.train_val_gap == s.train_accuracy - s.val_accuracy);
  }
  history.clear();
  config.early_stopping.monitor = Monitor::none;
  kcell::train::train(model, data, nullptr, config);
  REQUIRE(history.size() == 2u);
  CHECK(std::isnan(history[0].val_auc));
  CHECK(std::isnan(history[0].val_balanced_accuracy));
  CHECK(std::isnan(history[0].train_val_gap));
  CHECK(model.training_summary().best_epoch == -1);
}

TEST_CASE("a monitor without validation data and bad early-stopping settings are rejected") {
  const Dataset data = kcell_test::make_train_dataset(16, 8, 13);
  Model model = make_model(6);
  auto status = [&](const TrainConfig& c, const Dataset* val) {
    try {
      kcell::train::train(model, data, val, c);
    } catch (const kcell::Error& e) {
      return e.status();
    }
    return kcell::Status::ok;
  };
  TrainConfig c = config_with(Monitor::val_accuracy, 1, 0);
  CHECK(status(c, nullptr) == kcell::Status::invalid_argument);
  c.validate_every = -1;
  CHECK(status(c, &data) == kcell::Status::invalid_argument);
  c.validate_every = 1;
  c.early_stopping.patience = 0;
  c.early_stopping.min_delta = std::nan("");
  CHECK(status(c, &data) == kcell::Status::invalid_argument);
  c = config_with(Monitor::none, 1, 0);
  c.auto_class_weights = true;
  c.loss.class_weights = {1.f, 1.f, 1.f};
  CHECK(status(c, nullptr) == kcell::Status::invalid_argument);
  CHECK(model.training_summary().epochs_trained == 0);  // nothing ran
}

TEST_CASE("the tracker wants an improvement beyond min_delta in the monitored direction") {
  kcell::train::EarlyStopping options;
  options.monitor = Monitor::val_accuracy;
  options.patience = 2;
  options.min_delta = 0.01;
  kcell::train::BestEpochTracker t(options);
  EpochStats s;
  s.val_accuracy = 0.5;
  CHECK(t.update(0, s));
  s.val_accuracy = 0.505;  // within min_delta
  CHECK_FALSE(t.update(1, s));
  CHECK_FALSE(t.should_stop());
  s.val_accuracy = std::nan("");  // an undefined number never improves
  CHECK_FALSE(t.update(2, s));
  CHECK(t.should_stop());
  CHECK(t.best_epoch() == 0);
  CHECK(t.best_value() == 0.5);
}

TEST_CASE("automatic class weights are inverse frequencies with mean 1 over present classes") {
  std::vector<int32_t> labels(90, 0);
  labels.resize(100, 1);  // 90 : 10, class 2 absent
  const auto w = kcell::train::inverse_frequency_weights(labels.data(), labels.size(), 3);
  REQUIRE(w.size() == 3u);
  CHECK(w[0] == doctest::Approx(0.2));
  CHECK(w[1] == doctest::Approx(1.8));
  CHECK(w[2] == 0.f);
  labels.push_back(3);
  CHECK_THROWS_AS(kcell::train::inverse_frequency_weights(labels.data(), labels.size(), 3),
                  kcell::Error);
}

TEST_CASE("balanced sampling and automatic weights train reproducibly and are recorded") {
  const Dataset data = kcell_test::make_train_dataset(48, 16, 14);
  Model a = make_model(7), b = make_model(7);
  TrainConfig config = config_with(Monitor::none, 2, 0);
  config.balanced_sampler = true;
  config.auto_class_weights = true;
  config.augment.hflip = 0.5f;
  config.augment.shift = 1;
  size_t batches = 0;
  config.progress = [&](const kcell::train::Progress& p) {
    batches = p.batches;
    return true;
  };
  kcell::train::train(a, data, &data, config);
  kcell::train::train(b, data, &data, config);
  CHECK(batches == 3);  // epoch length stays the train count, 48 / 16
  CHECK(same_bits(weights_of(a), weights_of(b)));
  const auto& p = a.training_summary().parameters;
  CHECK(std::get<std::string>(p.at("sampler")) == "balanced");
  CHECK(std::get<std::string>(p.at("class_weights")) == "auto");
  CHECK(std::get<double>(p.at("augment_hflip")) == 0.5);
}

TEST_CASE("a cancelled run with a monitor claims no best epoch and keeps its last weights") {
  const Dataset data = kcell_test::make_train_dataset(32, 16, 15);
  Model model = make_model(8);
  TrainConfig config = config_with(Monitor::val_accuracy, 3, 0);
  int epochs_done = 0;
  config.on_epoch = [&](const EpochStats&) { ++epochs_done; };
  config.progress = [&](const kcell::train::Progress& p) { return p.epoch < 2; };
  CHECK_THROWS_AS(kcell::train::train(model, data, &data, config), kcell::Error);
  CHECK(epochs_done == 2);
  CHECK(model.training_summary().best_epoch == -1);
  CHECK(model.training_summary().parameters.count("best_val_accuracy") == 0);
}
