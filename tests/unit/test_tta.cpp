// Test-time augmentation (infer/tta.hpp): the set training chooses from its augmentation,
// the views, the set's place in model files, evaluation under it, and the decision bias
// the trainer fits under it.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <vector>

#include "infer/decision_bias.hpp"
#include "infer/evaluate.hpp"
#include "infer/predict.hpp"
#include "infer/tta.hpp"
#include "model/model_file.hpp"
#include "test_data_support.hpp"
#include "test_model_file_support.hpp"
#include "test_train_support.hpp"
#include "train/trainer.hpp"

using kcell::Status;
using kcell::data::AugmentOptions;
using kcell::infer::tta_for_augmentation;
using kcell::model::Tta;

namespace {

AugmentOptions augment(float hflip, float vflip, float rot90) {
  AugmentOptions a;
  a.hflip = hflip;
  a.vflip = vflip;
  a.rot90 = rot90;
  a.brightness = 0.1f;  // the photometric ones make no view
  return a;
}

}  // namespace

TEST_CASE("training chooses the largest set of views its augmentation produces") {
  CHECK(tta_for_augmentation(augment(0.5f, 0.5f, 0.75f), 28, 28) == Tta::dihedral);
  CHECK(tta_for_augmentation(augment(0.5f, 0.5f, 0.75f), 28, 32) == Tta::flips4);
  CHECK(tta_for_augmentation(augment(0.5f, 0.5f, 0.f), 28, 28) == Tta::flips4);
  CHECK(tta_for_augmentation(augment(0.5f, 0.f, 0.f), 28, 28) == Tta::flips);
  CHECK(tta_for_augmentation(augment(0.f, 0.f, 0.f), 28, 28) == Tta::none);
  // A flip with quarter turns makes every flip and turn; turns alone or an up-down flip
  // alone give none of the sets.
  CHECK(tta_for_augmentation(augment(0.5f, 0.f, 0.5f), 28, 28) == Tta::dihedral);
  CHECK(tta_for_augmentation(augment(0.f, 0.5f, 0.5f), 28, 28) == Tta::dihedral);
  CHECK(tta_for_augmentation(augment(0.5f, 0.f, 0.5f), 28, 32) == Tta::flips4);
  CHECK(tta_for_augmentation(augment(0.f, 0.f, 0.5f), 28, 28) == Tta::none);
  CHECK(tta_for_augmentation(augment(0.f, 0.5f, 0.f), 28, 28) == Tta::none);
}

TEST_CASE("the views of each set are distinct transforms of the image, the first itself") {
  const int c = 2, h = 3, w = 3;
  std::vector<float> image(c * h * w);
  for (size_t i = 0; i < image.size(); ++i) image[i] = static_cast<float>(i);
  for (Tta tta : {Tta::none, Tta::flips, Tta::flips4, Tta::dihedral}) {
    std::set<std::vector<float>> seen;
    std::vector<float> view(image.size());
    for (int v = 0; v < kcell::model::tta_views(tta); ++v) {
      kcell::infer::tta_view(tta, v, image.data(), 1, c, h, w, view.data());
      if (v == 0) CHECK(view == image);
      std::vector<float> sorted = view;
      std::sort(sorted.begin(), sorted.end());
      CHECK(sorted == image);  // a permutation of the pixels
      seen.insert(view);
    }
    CHECK(static_cast<int>(seen.size()) == kcell::model::tta_views(tta));
  }
}

TEST_CASE("the set round-trips through a model file; an unknown name is a format error") {
  auto model = kcell::test::make_test_model();
  CHECK(model->tta() == Tta::none);
  model->set_tta(Tta::flips4);
  const std::vector<uint8_t> bytes = kcell::model::save_model_to_memory(*model, "t");
  const std::string json = kcell::test::as_text(kcell::test::read_members(bytes)["kcell.json"]);
  CHECK(json.find("\"tta\": \"flips4\"") != std::string::npos);
  auto loaded = kcell::model::load_model_from_memory(bytes.data(), bytes.size());
  CHECK(loaded->tta() == Tta::flips4);
  CHECK_FALSE(loaded->tta_given());

  const auto edited = [&](const std::string& from, const std::string& to) {
    kcell::test::Members members = kcell::test::read_members(bytes);
    members["kcell.json"] = kcell::test::as_bytes(kcell::test::replace_once(json, from, to));
    return kcell::test::write_members(members);
  };
  const std::vector<uint8_t> older = edited("\"tta\": \"flips4\",", "");
  CHECK(kcell::model::load_model_from_memory(older.data(), older.size())->tta() == Tta::none);
  for (const char* bad : {"\"tta\": \"rot90\"", "\"tta\": 2"}) {
    const std::vector<uint8_t> file = edited("\"tta\": \"flips4\"", bad);
    kcell::test::check_error(
        [&] { kcell::model::load_model_from_memory(file.data(), file.size()); }, Status::format,
        "kcell.json", "tta");
  }
  auto oblong = std::make_unique<kcell::model::Model>(
      kcell::spec::parse_architecture("flatten dense"), 1, 4, 6, 2, 1);
  CHECK_THROWS(oblong->set_tta(Tta::dihedral));
  oblong->set_tta(Tta::flips4);
  const std::vector<uint8_t> oblong_bytes = kcell::model::save_model_to_memory(*oblong, "t");
  kcell::test::Members members = kcell::test::read_members(oblong_bytes);
  members["kcell.json"] = kcell::test::as_bytes(kcell::test::replace_once(
      kcell::test::as_text(members["kcell.json"]), "\"flips4\"", "\"dihedral\""));
  const std::vector<uint8_t> turned = kcell::test::write_members(members);
  kcell::test::check_error(
      [&] { kcell::model::load_model_from_memory(turned.data(), turned.size()); }, Status::format,
      "tta", "square");
}

TEST_CASE("evaluation under a set gives prediction's probabilities; training validates without") {
  const kcell::data::Dataset data = kcell_test::make_train_dataset(48, 16, 5);
  auto model = std::make_unique<kcell::model::Model>(
      kcell::spec::parse_architecture("conv(4,3) relu flatten dense"), 1, 8, 8, 3, 3);
  kcell::train::TrainConfig config;
  config.epochs = 2;
  config.batch_size = 16;
  config.augment = augment(0.5f, 0.5f, 0.5f);
  config.decision = kcell::train::DecisionFit::balanced;
  kcell::train::train(*model, data, &data, config);
  REQUIRE(model->tta() == Tta::dihedral);
  REQUIRE_FALSE(model->decision_bias().empty());

  const kcell::data::Split& val = data.split(kcell::data::SplitId::val);
  const kcell::infer::Evaluation e =
      kcell::infer::evaluate(*model, data, kcell::data::SplitId::val, 128, true);
  std::vector<float> predicted(e.probabilities.size());
  kcell::infer::predict(*model, val.images.data(), val.count, kcell::infer::Layout::nchw,
                        predicted.data());
  for (size_t i = 0; i < predicted.size(); ++i)
    CHECK(predicted[i] == doctest::Approx(e.probabilities[i]).epsilon(1e-5));

  // The bias was fitted on the dihedral probabilities of validation, not the plain ones.
  const std::vector<float> refit =
      kcell::infer::fit_decision_bias(e.plain_probabilities.data(), e.labels.data(), e.count, 3,
                                      kcell::infer::BiasTarget::equal_priors);
  for (int c = 0; c < 3; ++c) CHECK(refit[c] == doctest::Approx(model->decision_bias()[c]));

  // Validation during training ran without views (and the bias fitted after it): the
  // recorded loss is the plain model's.
  model->set_decision_bias({});
  const kcell::infer::Evaluation plain =
      kcell::infer::evaluate(*model, data, kcell::data::SplitId::val, 128, false, Tta::none);
  CHECK(model->training_summary().val_loss == plain.loss);
  CHECK(kcell::infer::evaluate(*model, data, kcell::data::SplitId::val, 128).loss != plain.loss);
}
