// The training loop: reproducibility, progress and history, cancelling, divergence, and
// that a small network really learns an easy problem.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <variant>
#include <vector>

#include "common/error.hpp"
#include "common/rng.hpp"
#include "infer/evaluate.hpp"
#include "infer/loss.hpp"
#include "model/model.hpp"
#include "spec/architecture.hpp"
#include "test_train_support.hpp"
#include "train/trainer.hpp"

using kcell::Status;
using kcell::data::Dataset;
using kcell::data::SplitId;
using kcell::model::Model;
using kcell::train::EpochStats;
using kcell::train::Progress;
using kcell::train::TrainConfig;

namespace {

const char* small_spec = "conv(4,3) bn relu maxpool(2) dropout(0.25) flatten dense";

Model make_model(uint64_t seed, const char* spec = small_spec) {
  return Model(kcell::spec::parse_architecture(spec), 1, 8, 8, 3, seed);
}

TrainConfig small_config() {
  TrainConfig c;
  c.epochs = 2;
  c.batch_size = 10;  // 64 images: six full batches and a partial one
  c.learning_rate = 0.01;
  c.num_threads = 2;
  c.seed = 5;
  return c;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

Status status_of(Model& model, const Dataset& train, const Dataset* val,
                 const TrainConfig& config) {
  try {
    kcell::train::train(model, train, val, config);
  } catch (const kcell::Error& e) {
    return e.status();
  }
  return Status::ok;
}

}  // namespace

TEST_CASE("the same seed and thread count give bit-identical weights and statistics") {
  const Dataset data = kcell_test::make_train_dataset(64, 0, 1);
  Model a = make_model(3), b = make_model(3), c = make_model(3);
  TrainConfig config = small_config();
  kcell::train::train(a, data, nullptr, config);
  kcell::train::train(b, data, nullptr, config);
  config.seed = 6;  // another shuffle and other dropout masks
  kcell::train::train(c, data, nullptr, config);

  const auto pa = a.network().params(), pb = b.network().params(), pc = c.network().params();
  REQUIRE(pa.size() == pb.size());
  bool all_same = true, any_differs_from_c = false;
  for (size_t i = 0; i < pa.size(); ++i) {
    all_same = all_same && same_bits(pa[i]->value, pb[i]->value);
    any_differs_from_c = any_differs_from_c || !same_bits(pa[i]->value, pc[i]->value);
  }
  CHECK(all_same);
  CHECK(any_differs_from_c);
  const auto ba = a.network().buffers(), bb = b.network().buffers();
  for (size_t i = 0; i < ba.size(); ++i) CHECK(same_bits(ba[i]->value, bb[i]->value));
}

TEST_CASE("progress comes after every batch and every epoch, and history after each epoch") {
  const Dataset data = kcell_test::make_train_dataset(64, 20, 2);
  Model model = make_model(1);
  TrainConfig config = small_config();
  config.epochs = 4;
  config.schedule = kcell::train::ScheduleKind::multistep;
  std::vector<Progress> calls;
  std::vector<EpochStats> history;
  config.progress = [&](const Progress& p) {
    calls.push_back(p);
    return true;
  };
  config.on_epoch = [&](const EpochStats& s) { history.push_back(s); };
  kcell::train::train(model, data, &data, config);

  REQUIRE(calls.size() == 4u * (7u + 1u));
  CHECK(calls[0].phase == 0);
  CHECK(calls[0].batch == 1);
  CHECK(calls[0].batches == 7);
  CHECK(calls[6].batch == 7);
  CHECK(calls[7].phase == 1);
  CHECK(calls[7].loss == history[0].train_loss);
  CHECK(calls[31].epoch == 3);
  CHECK(calls[31].epochs == 4);
  REQUIRE(history.size() == 4u);
  for (int e = 0; e < 4; ++e) {
    CHECK(history[e].epoch == e);
    CHECK(std::isfinite(history[e].val_loss));
    CHECK(history[e].val_accuracy >= 0.0);
    CHECK(history[e].seconds > 0.0);
  }
  CHECK(history[1].learning_rate == doctest::Approx(0.01));
  CHECK(history[2].learning_rate == doctest::Approx(0.001));  // epoch 2 >= 0.5 * 4
  CHECK(history[3].learning_rate == doctest::Approx(0.0001));
}

TEST_CASE("training learns an easy problem and the validation numbers match evaluate") {
  const Dataset data = kcell_test::make_train_dataset(96, 48, 3);
  Model model = make_model(2, "conv(4,3) bn relu maxpool(2) flatten dense");
  TrainConfig config = small_config();
  config.epochs = 6;
  config.batch_size = 16;
  std::vector<EpochStats> history;
  config.on_epoch = [&](const EpochStats& s) { history.push_back(s); };
  kcell::train::train(model, data, &data, config);
  REQUIRE(history.size() == 6u);
  CHECK(history.back().train_loss < history.front().train_loss);
  CHECK(history.back().val_accuracy >= 0.9);
  const auto e = kcell::infer::evaluate(model, data, SplitId::val, 16, true);
  CHECK(e.count == 48);
  CHECK(e.accuracy == history.back().val_accuracy);
  CHECK(e.loss == doctest::Approx(history.back().val_loss).epsilon(1e-12));

  // The kept probabilities are softmax rows that give the same accuracy and loss.
  REQUIRE(e.probabilities.size() == 48u * 3u);
  REQUIRE(e.labels.size() == 48u);
  size_t correct = 0;
  double loss = 0.0;
  for (size_t i = 0; i < 48; ++i) {
    const float* row = e.probabilities.data() + i * 3;
    CHECK(row[0] + row[1] + row[2] == doctest::Approx(1.0));
    if (kcell::infer::argmax(row, 3) == e.labels[i]) ++correct;
    loss -= std::log(static_cast<double>(row[e.labels[i]]));
  }
  CHECK(static_cast<double>(correct) / 48.0 == e.accuracy);
  CHECK(loss / 48.0 == doctest::Approx(e.loss).epsilon(1e-5));
}

TEST_CASE("a batch size beyond the training split trains on the whole split at once") {
  const Dataset data = kcell_test::make_train_dataset(24, 8, 9);
  Model model = make_model(1);
  TrainConfig config = small_config();
  config.batch_size = 2147483647;
  size_t batches = 0, last_batch = 0;
  config.progress = [&](const Progress& p) {
    batches = p.batches;
    last_batch = p.batch;
    return true;
  };
  kcell::train::train(model, data, &data, config);
  CHECK(batches == 1);
  CHECK(last_batch == 1);
}

TEST_CASE("the model's training summary counts epochs over runs and keeps the last settings") {
  const Dataset data = kcell_test::make_train_dataset(32, 8, 10);
  Model model = make_model(1);
  CHECK(model.training_summary().epochs_trained == 0);
  TrainConfig config = small_config();
  kcell::train::train(model, data, &data, config);
  const auto& first = model.training_summary();
  CHECK(first.epochs_trained == 2);
  CHECK(std::isfinite(first.val_loss));
  CHECK(first.val_accuracy >= 0.0);
  CHECK(std::get<std::string>(first.parameters.at("optimizer")) == "adam");
  CHECK(std::get<double>(first.parameters.at("learning_rate")) == 0.01);
  CHECK(std::get<std::string>(first.parameters.at("seed")) == "5");

  config.epochs = 1;
  config.optimizer.kind = kcell::train::OptimizerKind::sgd;
  kcell::train::train(model, data, nullptr, config);
  const auto& second = model.training_summary();
  CHECK(second.epochs_trained == 3);
  CHECK(std::isnan(second.val_loss));  // this run had no validation data
  CHECK(std::get<std::string>(second.parameters.at("optimizer")) == "sgd");
  CHECK(second.parameters.count("momentum") == 1);
  CHECK(second.parameters.count("beta1") == 0);
}

TEST_CASE("normalisation is learnt from the training images on the first run only") {
  const Dataset first = kcell_test::make_train_dataset(64, 0, 4);
  Model model = make_model(1);
  CHECK(model.normalization().empty());
  TrainConfig config = small_config();
  config.epochs = 1;
  kcell::train::train(model, first, nullptr, config);
  REQUIRE(model.normalization().mean.size() == 1);
  const float mean = model.normalization().mean[0];
  CHECK(mean > 0.2f);
  CHECK(mean < 0.6f);
  Dataset dark = kcell_test::make_train_dataset(64, 0, 5);
  for (uint8_t& p : dark.splits[0].images) p = static_cast<uint8_t>(p / 4);
  kcell::train::train(model, dark, nullptr, config);
  CHECK(model.normalization().mean[0] == mean);
}

TEST_CASE("a callback returning false cancels and leaves a usable model") {
  const Dataset data = kcell_test::make_train_dataset(64, 20, 6);
  Model model = make_model(1);
  const std::vector<float> before = model.network().params()[0]->value;
  TrainConfig config = small_config();
  int calls = 0;
  std::vector<EpochStats> history;
  config.progress = [&](const Progress&) { return ++calls < 3; };
  config.on_epoch = [&](const EpochStats& s) { history.push_back(s); };
  CHECK(status_of(model, data, &data, config) == Status::cancelled);
  CHECK(calls == 3);
  CHECK(history.empty());
  CHECK(!same_bits(before, model.network().params()[0]->value));  // three steps were taken
  const auto e = kcell::infer::evaluate(model, data, SplitId::val, 8);
  CHECK(std::isfinite(e.loss));

  // Cancelling after the epoch's validation keeps that epoch in the history.
  config.progress = [](const Progress& p) { return p.phase == 0; };
  CHECK(status_of(model, data, &data, config) == Status::cancelled);
  CHECK(history.size() == 1u);
}

TEST_CASE("a diverging run stops with not_finite and keeps finite weights and statistics") {
  const Dataset data = kcell_test::make_train_dataset(64, 0, 7);
  Model model = make_model(1, "conv(4,3) bn relu maxpool(2) flatten dense");
  TrainConfig config = small_config();
  config.optimizer.kind = kcell::train::OptimizerKind::sgd;
  config.optimizer.momentum = 0.0;
  config.learning_rate = 1e30;
  CHECK(status_of(model, data, nullptr, config) == Status::not_finite);
  for (const auto* p : model.network().params())
    for (float v : p->value) REQUIRE(std::isfinite(v));
  for (const auto* b : model.network().buffers())
    for (float v : b->value) REQUIRE(std::isfinite(v));
}

TEST_CASE("training data that does not fit the model is rejected with invalid_argument") {
  Model model = make_model(1);
  TrainConfig config = small_config();
  Dataset wrong_shape = kcell_test::make_train_dataset(16, 0, 8);
  wrong_shape.width = 4;
  CHECK(status_of(model, wrong_shape, nullptr, config) == Status::invalid_argument);
  Dataset bad_label = kcell_test::make_train_dataset(16, 0, 8);
  bad_label.splits[0].labels[5] = 3;
  CHECK(status_of(model, bad_label, nullptr, config) == Status::invalid_argument);
  bad_label.splits[0].labels[5] = -1;
  CHECK(status_of(model, bad_label, nullptr, config) == Status::invalid_argument);
  const Dataset no_val = kcell_test::make_train_dataset(16, 0, 8);
  CHECK(status_of(model, no_val, &no_val, config) == Status::invalid_argument);
  Dataset empty = kcell_test::make_train_dataset(0, 0, 8);
  CHECK(status_of(model, empty, nullptr, config) == Status::invalid_argument);
  config.batch_size = 0;
  CHECK(status_of(model, no_val, nullptr, config) == Status::invalid_argument);
  config.batch_size = 4;
  config.loss.class_weights = {1.f, 2.f};  // the model has 3 classes
  CHECK(status_of(model, no_val, nullptr, config) == Status::invalid_argument);
  CHECK(model.normalization().empty());  // a refused run leaves the model as it was
}

TEST_CASE("models refuse shapes and class counts they cannot take") {
  const auto arch = kcell::spec::parse_architecture(small_spec);
  CHECK_THROWS_AS(Model(arch, 2, 8, 8, 3, 1), kcell::Error);
  CHECK_THROWS_AS(Model(arch, 1, 0, 8, 3, 1), kcell::Error);
  CHECK_THROWS_AS(Model(arch, 1, 8, 8, 1, 1), kcell::Error);
  Model model(arch, 1, 8, 8, 3, 1);
  CHECK_THROWS_AS(model.set_normalization({{0.5f}, {0.f}}), kcell::Error);
  CHECK_THROWS_AS(model.set_normalization({{0.5f, 0.5f}, {1.f, 1.f}}), kcell::Error);
  model.set_normalization({{0.5f}, {0.25f}});
  CHECK(model.normalization().std[0] == 0.25f);
}
