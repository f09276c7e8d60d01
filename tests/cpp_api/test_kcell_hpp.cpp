// kcell.hpp: every function of kcell.h has its wrapper, and the wrappers pass values,
// ownership, text, errors and the progress callback through as the C API defines them.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
#include <kcell/kcell.hpp>

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "synthetic.h"

namespace {

constexpr int kSide = 8;
constexpr size_t kPixels = kSide * kSide;
const char* const kSpec = "conv(4,3) bn relu flatten dense";

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Images and labels of a 3-class split, kept alive for Dataset::create.
struct Split {
  std::vector<uint8_t> images;
  std::vector<int32_t> labels;
  Split(size_t count, unsigned seed) : images(count * kPixels), labels(count) {
    fill_synthetic(images.data(), labels.data(), count, kPixels, 3, seed);
  }
};

kcell::Dataset small_dataset() {
  const Split train(24, 1u), val(12, 2u);
  const kcell_split_buffers t = kcell::split_buffers(train.images, train.labels);
  const kcell_split_buffers v = kcell::split_buffers(val.images, val.labels);
  return kcell::Dataset::create(1, kSide, kSide, 0, &t, &v);
}

kcell_train_params quick_params() {
  kcell_train_params params = kcell::default_train_params();
  params.epochs = 2;
  params.batch_size = 8;
  params.num_threads = 1;
  return params;
}

}  // namespace

TEST_CASE("every function of kcell.h is called by kcell.hpp") {
  const std::string header = read(KCELL_HEADER_DIR "/kcell.h");
  const std::string wrapper = read(KCELL_HEADER_DIR "/kcell.hpp");
  const std::regex exported(R"(KCELL_API\s+[\w\s\*]+?\b(kcell_\w+)\s*\()");
  std::set<std::string> missing;
  size_t functions = 0;
  for (auto it = std::sregex_iterator(header.begin(), header.end(), exported);
       it != std::sregex_iterator(); ++it) {
    ++functions;
    const std::string name = (*it)[1];
    if (!std::regex_search(wrapper, std::regex("\\b" + name + "\\b"))) missing.insert(name);
  }
  CHECK(functions > 40);
  std::string list;
  for (const std::string& name : missing) list += name + " ";
  CHECK_MESSAGE(missing.empty(), "not wrapped: " << list);
}

TEST_CASE("version, status strings and threads pass through") {
  CHECK(kcell::version_number() == KCELL_VERSION_NUMBER);
  CHECK(kcell::version() == std::to_string(KCELL_VERSION_MAJOR) + "." +
                                std::to_string(KCELL_VERSION_MINOR) + "." +
                                std::to_string(KCELL_VERSION_PATCH));
  CHECK(kcell::status_string(KCELL_ERROR_FORMAT) == "format error");
  try {
    kcell::set_num_threads(-1);
    FAIL("a negative thread count was accepted");
  } catch (const kcell::Error& e) {
    CHECK(e.status() == KCELL_ERROR_INVALID_ARGUMENT);
    CHECK(std::string(e.what()).find("threads") != std::string::npos);
    CHECK(kcell::last_error() == e.what());
  }
  kcell::set_num_threads(0);
  CHECK(std::string(kcell::split_name(KCELL_SPLIT_VAL)) == "val");
}

TEST_CASE("the default structs are the library's defaults") {
  CHECK(kcell::default_open_options().struct_size == sizeof(kcell_open_options));
  const kcell_augmentation a = kcell::default_augmentation();
  CHECK(a.struct_size == sizeof(kcell_augmentation));
  CHECK(a.hflip == 0.0);
  CHECK(a.erase_max_area == 0.25);
  const kcell_train_params p = kcell::default_train_params();
  CHECK(p.struct_size == sizeof(kcell_train_params));
  CHECK(p.epochs == 0);                // the recipe's automatic length
  REQUIRE(p.augmentation != nullptr);  // the recipe's flips and quarter turns
  CHECK(p.augmentation->hflip == 0.5);
}

TEST_CASE("a dataset from arrays has the images, labels and counts it was given") {
  const Split train(9, 5u), test(4, 6u);
  const kcell_split_buffers t = kcell::split_buffers(train.images, train.labels);
  const kcell_split_buffers s = kcell::split_buffers(test.images, test.labels);
  const kcell::Dataset data = kcell::Dataset::create(1, kSide, kSide, 0, &t, nullptr, &s);
  CHECK(data.count(KCELL_SPLIT_TRAIN) == 9);
  CHECK(data.count(KCELL_SPLIT_VAL) == 0);
  CHECK(data.count(KCELL_SPLIT_TEST) == 4);
  CHECK(data.num_classes() == 3);
  CHECK(data.shape() == std::vector<int>{1, kSide, kSide});
  CHECK(data.class_histogram(KCELL_SPLIT_TRAIN) == std::vector<size_t>{3, 3, 3});
  int32_t label = -7;
  const std::vector<uint8_t> pixels = data.image(KCELL_SPLIT_TEST, 2, &label);
  CHECK(pixels ==
        std::vector<uint8_t>(test.images.begin() + 2 * kPixels, test.images.begin() + 3 * kPixels));
  CHECK(label == test.labels[2]);
  CHECK(data.label(KCELL_SPLIT_TRAIN, 4) == train.labels[4]);
}

TEST_CASE("a failed call throws kcell::Error with the status and the library's message") {
  try {
    kcell::Dataset missing(KCELL_TEST_TMP_DIR "/no-such-file.npz");
    FAIL("opened a file that does not exist");
  } catch (const kcell::Error& e) {
    CHECK(e.status() == KCELL_ERROR_IO);
    CHECK(std::string(e.what()).find("no-such-file.npz") != std::string::npos);
  }
  CHECK_THROWS_AS(kcell::Model("conv(4,3) wobble", 1, kSide, kSide, 3), kcell::Error);
  const kcell::Model model(kSpec, 1, kSide, kSide, 3);
  try {
    model.class_name(3);
    FAIL("a class past the count has a name");
  } catch (const kcell::Error& e) {
    CHECK(e.status() == KCELL_ERROR_INVALID_ARGUMENT);
  }
}

TEST_CASE("the progress callback is a std::function: it sees every batch and can cancel") {
  const kcell::Dataset data = small_dataset();
  kcell::Model model(kSpec, 1, kSide, kSide, 3, 7);
  kcell::History history;
  size_t batches = 0, epochs_done = 0;
  model.train(data, &data, quick_params(), &history, [&](const kcell_progress& p) {
    if (p.phase == 0)
      ++batches;
    else
      ++epochs_done;
    return false;
  });
  CHECK(batches == 2 * 3);  // 24 images in batches of 8, two epochs
  CHECK(epochs_done == 2);
  CHECK(history.count() == 2);
  const std::vector<kcell_epoch_stats> epochs = history.epochs();
  REQUIRE(epochs.size() == 2);
  CHECK(epochs[1].epoch == 1);
  CHECK(epochs[1].struct_size == sizeof(kcell_epoch_stats));
  CHECK(history.epoch(0).train_loss == epochs[0].train_loss);
  CHECK(history.best_epoch() >= 0);  // with validation data the recipe keeps the best epoch

  size_t calls = 0;
  try {
    model.train(data, nullptr, quick_params(), nullptr,
                [&](const kcell_progress&) { return ++calls == 2; });
    FAIL("returning true did not cancel");
  } catch (const kcell::Error& e) {
    CHECK(e.status() == KCELL_ERROR_CANCELLED);
  }
  CHECK(calls == 2);
}

TEST_CASE("an exception thrown by the progress callback comes out of train as itself") {
  const kcell::Dataset data = small_dataset();
  kcell::Model model(kSpec, 1, kSide, kSide, 3, 7);
  size_t calls = 0;
  CHECK_THROWS_WITH_AS(model.train(data, nullptr, quick_params(), nullptr,
                                   [&](const kcell_progress&) -> bool {
                                     if (++calls == 3) throw std::logic_error("stop here");
                                     return false;
                                   }),
                       "stop here", std::logic_error);
  CHECK(calls == 3);
  CHECK(model.evaluate(data, KCELL_SPLIT_VAL).count == 12);  // the model still works
}

TEST_CASE("a model round-trips through memory and a file with its names and predictions") {
  const kcell::Dataset data = small_dataset();
  kcell::Model model(kSpec, 1, kSide, kSide, 3, 7);
  model.train(data, &data, quick_params());
  model.set_class_names({"normal", "benign", "malignant"});
  CHECK(model.class_names() == std::vector<std::string>{"normal", "benign", "malignant"});

  const Split images(5, 9u);
  const std::vector<float> expected = model.predict(images.images.data(), 5);
  CHECK(expected.size() == 5 * 3);

  const std::vector<uint8_t> bytes = model.save_to_memory();
  const kcell::Model from_memory = kcell::Model::load_from_memory(bytes);
  CHECK(from_memory.predict(images.images.data(), 5) == expected);
  CHECK(from_memory.class_name(2) == "malignant");
  CHECK(from_memory.architecture() == model.architecture());
  CHECK(from_memory.info().epochs_trained == 2);

  const std::string path = KCELL_TEST_TMP_DIR "/wrapper.kcell";
  model.save(path);
  const kcell::Model from_file = kcell::Model::load(path);
  CHECK(from_file.predict(images.images.data(), 5) == expected);

  model.set_class_names({});
  CHECK(model.class_name(0) == "0");
}

TEST_CASE("the decision bias is read, set, kept by a model file and removed") {
  kcell::Model model(kSpec, 1, kSide, kSide, 3, 7);
  CHECK(model.decision_bias().empty());
  model.set_decision_bias({0.5f, -0.25f, 0.0f});
  CHECK(model.decision_bias() == std::vector<float>{0.5f, -0.25f, 0.0f});
  const kcell::Model copy = kcell::Model::load_from_memory(model.save_to_memory());
  CHECK(copy.decision_bias() == std::vector<float>{0.5f, -0.25f, 0.0f});
  CHECK_THROWS_AS(model.set_decision_bias({1.0f}), kcell::Error);
  model.set_decision_bias({});
  CHECK(model.decision_bias().empty());
}

TEST_CASE("text getters, normalisation and normalised predictions agree with the model") {
  const kcell::Dataset data = small_dataset();
  kcell::Model model(kSpec, 1, kSide, kSide, 3, 7);
  model.train(data, &data, quick_params());
  const std::string spec = model.architecture();
  CHECK(spec.find("conv(4,3)") != std::string::npos);
  CHECK(spec.find('\0') == std::string::npos);
  const std::string summary = model.summary();
  CHECK(summary.find("total") != std::string::npos);
  CHECK(model.num_params() == model.info().num_params);

  const kcell::Normalization n = model.normalization();
  REQUIRE(n.mean.size() == 1);
  REQUIRE(n.std.size() == 1);
  CHECK(n.std[0] > 0.f);
  const Split images(3, 4u);
  std::vector<float> normalized(images.images.size());
  for (size_t i = 0; i < normalized.size(); ++i)
    normalized[i] = (images.images[i] / 255.0f - n.mean[0]) / n.std[0];
  const std::vector<float> a = model.predict(images.images.data(), 3);
  const std::vector<float> b = model.predict_normalized(normalized.data(), 3);
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) CHECK(b[i] == doctest::Approx(a[i]).epsilon(1e-4));

  const kcell::EvaluationDetails d = model.evaluate_details(data, KCELL_SPLIT_VAL);
  CHECK(d.per_class.size() == 3);
  CHECK(d.confusion.size() == 9);
  CHECK(d.metrics.accuracy == model.evaluate(data, KCELL_SPLIT_VAL).accuracy);
}

TEST_CASE("int8 inference is set after a calibration and refused before one") {
  const kcell::Dataset data = small_dataset();
  kcell::Model model(kSpec, 1, kSide, kSide, 3, 7);
  model.train(data, &data, quick_params());
  CHECK_THROWS_AS(model.set_inference_precision(KCELL_PRECISION_INT8), kcell::Error);
  model.calibrate_int8(data, KCELL_SPLIT_VAL);
  model.set_inference_precision(KCELL_PRECISION_INT8);
  CHECK(model.evaluate(data, KCELL_SPLIT_VAL).count == 12);
  model.set_inference_precision(KCELL_PRECISION_FP32);
}

TEST_CASE("calibration: temperature, conformal sets and metrics pass through, kept by files") {
  const kcell::Dataset data = small_dataset();
  kcell::Model model(kSpec, 1, kSide, kSide, 3, 7);
  model.train(data, &data, quick_params());
  CHECK(model.temperature() == 1.0);
  CHECK(model.conformal().first == 0.0);
  const kcell_calibration_fit fit = model.calibrate(data, KCELL_SPLIT_VAL, 0.2);
  CHECK(model.temperature() == fit.temperature);
  CHECK(model.conformal().first == 0.2);
  CHECK(model.conformal().second == fit.conformal_quantile);
  const Split val(12, 2u);
  const std::vector<float> probs = model.predict(val.images.data(), 12);
  const std::vector<uint8_t> sets = model.prediction_sets(probs);
  REQUIRE(sets.size() == probs.size());
  for (size_t i = 0; i < sets.size(); ++i)
    CHECK(sets[i] == (1.0 - static_cast<double>(probs[i]) <= fit.conformal_quantile));
  const kcell_calibration direct =
      kcell::calibration_metrics(probs.data(), val.labels.data(), 12, 3);
  const kcell::CalibrationDetails details = model.evaluate_calibration(data, KCELL_SPLIT_VAL);
  CHECK(details.calibration.nll == doctest::Approx(direct.nll).epsilon(1e-4));
  CHECK(details.calibration.conformal_alpha == 0.2);
  CHECK(details.class_coverage.size() == 3);
  const kcell::FullEvaluation full = model.evaluate_full(data, KCELL_SPLIT_VAL);
  CHECK(full.calibration.calibration.nll == details.calibration.nll);
  CHECK(full.calibration.class_coverage == details.class_coverage);
  CHECK(full.details.metrics.ece == details.calibration.ece);
  CHECK(full.details.confusion.size() == 9);
  const kcell::Model copy = kcell::Model::load_from_memory(model.save_to_memory());
  CHECK(copy.temperature() == model.temperature());
  CHECK(copy.conformal() == model.conformal());
  CHECK_THROWS_AS(model.set_temperature(-1.0), kcell::Error);
  model.set_temperature(1.5);
  CHECK(model.temperature() == 1.5);
}

TEST_CASE("explain: maps of the input's size for the predicted or a chosen class") {
  const kcell::Dataset data = small_dataset();
  kcell::Model model(kSpec, 1, kSide, kSide, 3, 7);
  model.train(data, &data, quick_params());
  const Split val(4, 2u);
  const kcell::Explanation e = model.explain(val.images.data(), 4);
  REQUIRE(e.maps.size() == 4u * kSide * kSide);
  const std::vector<float> probs = model.predict(val.images.data(), 4);
  for (size_t i = 0; i < 4; ++i) {
    const float* row = &probs[i * 3];
    CHECK(e.classes[i] == std::max_element(row, row + 3) - row);
  }
  for (const float v : e.maps) CHECK(v >= 0.f);
  kcell_explain_options options = kcell::default_explain_options();
  options.method = KCELL_SALIENCY_INPUT_GRADIENT;
  const kcell::Explanation g = model.explain(val.images.data(), 4, 2, options);
  CHECK(g.classes == std::vector<int32_t>(4, 2));
  CHECK(std::any_of(g.maps.begin(), g.maps.end(), [](float v) { return v > 0.f; }));
  CHECK_THROWS_AS(model.explain(val.images.data(), 4, 3), kcell::Error);
}
