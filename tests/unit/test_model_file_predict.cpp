// Prediction, and that a model file predicts exactly what the saved model did: bit-identical
// probabilities after save and load, from several threads at once, in either pixel layout,
// and in agreement with evaluation.
#include <doctest/doctest.h>

#include <omp.h>

#include <cmath>
#include <thread>

#include "infer/evaluate.hpp"
#include "infer/predict.hpp"
#include "model/model_file.hpp"
#include "test_model_file_support.hpp"

using kcell::infer::Layout;
using kcell::test::kTestVersion;

namespace {

std::vector<uint8_t> test_images(size_t count, size_t image_bytes, uint64_t seed) {
  kcell::SplitMix64 rng(seed);
  std::vector<uint8_t> images(count * image_bytes);
  for (uint8_t& px : images) px = static_cast<uint8_t>(rng.next() & 0xff);
  return images;
}

std::vector<float> predict(kcell::model::Model& m, const std::vector<uint8_t>& images,
                           Layout layout = Layout::nchw) {
  const size_t count = images.size() / m.input_size();
  std::vector<float> out(count * static_cast<size_t>(m.num_classes()), -1.f);
  kcell::infer::predict(m, images.data(), count, layout, out.data());
  return out;
}

}  // namespace

TEST_CASE("save then load then predict gives bit-identical probabilities") {
  auto model = kcell::test::make_test_model("conv(4,3) bn relu res(8,stride=2) gap flatten dense",
                                            3, 12, 5, 4);
  const std::vector<uint8_t> images = test_images(300, model->input_size(), 1);
  const std::vector<float> before = predict(*model, images);
  const std::vector<uint8_t> bytes = kcell::model::save_model_to_memory(*model, kTestVersion);
  auto loaded = kcell::model::load_model_from_memory(bytes.data(), bytes.size());
  CHECK(kcell::test::same_bits(predict(*loaded, images), before));
}

TEST_CASE("probabilities are a softmax: each row is positive and sums to 1") {
  auto model = kcell::test::make_test_model();
  const std::vector<float> p = predict(*model, test_images(20, model->input_size(), 2));
  for (size_t i = 0; i < 20; ++i) {
    double sum = 0.0;
    for (size_t j = 0; j < 3; ++j) {
      CHECK(p[i * 3 + j] > 0.f);
      sum += p[i * 3 + j];
    }
    CHECK(sum == doctest::Approx(1.0).epsilon(1e-6));
  }
  const float logits[4] = {1000.f, 0.f, -1000.f, 999.f};  // no overflow
  float out[4];
  kcell::infer::softmax_rows(logits, 1, 4, out);
  CHECK(out[0] == doctest::Approx(1.0 / (1.0 + std::exp(-1.0))));
  CHECK(out[2] == 0.f);
}

TEST_CASE("NHWC images give the same probabilities as the same images in NCHW") {
  auto model = kcell::test::make_test_model(kcell::test::kSmallSpec, 3, 8, 4, 6);
  const size_t count = 10, hw = 64;
  const std::vector<uint8_t> nchw = test_images(count, 3 * hw, 3);
  std::vector<uint8_t> nhwc(nchw.size());
  for (size_t n = 0; n < count; ++n)
    for (size_t c = 0; c < 3; ++c)
      for (size_t p = 0; p < hw; ++p) nhwc[(n * hw + p) * 3 + c] = nchw[(n * 3 + c) * hw + p];
  CHECK(kcell::test::same_bits(predict(*model, nhwc, Layout::nhwc), predict(*model, nchw)));
}

TEST_CASE("predicting normalised floats equals predicting the bytes they came from") {
  auto model = kcell::test::make_test_model();
  const std::vector<uint8_t> images = test_images(7, 64, 4);
  const kcell::model::Normalization& norm = model->normalization();
  std::vector<float> floats(images.size());
  for (size_t i = 0; i < images.size(); ++i)
    floats[i] = static_cast<float>((images[i] / 255.0 - norm.mean[0]) / norm.std[0]);
  std::vector<float> out(7 * 3);
  kcell::infer::predict_normalized(*model, floats.data(), 7, out.data());
  CHECK(kcell::test::same_bits(out, predict(*model, images)));
}

TEST_CASE("prediction agrees bit for bit with the probabilities evaluation computes") {
  auto model = kcell::test::make_test_model();
  kcell::data::Dataset data;
  data.channels = 1;
  data.height = data.width = 8;
  data.num_classes = 3;
  kcell::data::Split& test = data.split(kcell::data::SplitId::test);
  test.count = 40;
  test.images = test_images(40, 64, 5);
  for (size_t i = 0; i < 40; ++i) test.labels.push_back(static_cast<int32_t>(i % 3));
  const kcell::infer::Evaluation e =
      kcell::infer::evaluate(*model, data, kcell::data::SplitId::test, 40, true);
  CHECK(kcell::test::same_bits(e.probabilities, predict(*model, test.images)));
}

TEST_CASE("more images than one batch give the rows predicting them alone gives") {
  auto model = kcell::test::make_test_model();
  const size_t count = kcell::infer::kPredictBatch * 2 + 13;
  const std::vector<uint8_t> images = test_images(count, 64, 6);
  const std::vector<float> all = predict(*model, images);
  for (size_t i : {size_t{0}, size_t{255}, size_t{256}, count - 1}) {
    const std::vector<uint8_t> one(images.begin() + static_cast<ptrdiff_t>(i * 64),
                                   images.begin() + static_cast<ptrdiff_t>((i + 1) * 64));
    const std::vector<float> p = predict(*model, one);
    for (size_t j = 0; j < 3; ++j) CHECK(p[j] == doctest::Approx(all[i * 3 + j]).epsilon(1e-5));
  }
}

TEST_CASE("8 threads predicting with one model at once get the answers of one thread") {
  auto model =
      kcell::test::make_test_model("conv(8,3) bn relu maxpool(2) flatten dense", 1, 16, 5, 8);
  std::vector<std::vector<uint8_t>> inputs;
  std::vector<std::vector<float>> expected;
  for (int t = 0; t < 8; ++t) {
    inputs.push_back(test_images(static_cast<size_t>(1 + 37 * t), model->input_size(),
                                 static_cast<uint64_t>(100 + t)));
    expected.push_back(predict(*model, inputs.back()));
  }
  std::vector<std::vector<float>> got(8);
  std::vector<std::thread> threads;
  // The same compute-thread count as this thread (as the C API applies per call): results
  // are the same for the same thread count.
  const int compute_threads = omp_get_max_threads();
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      omp_set_num_threads(compute_threads);
      for (int repeat = 0; repeat < 5; ++repeat) got[t] = predict(*model, inputs[t]);
    });
  for (std::thread& th : threads) th.join();
  for (int t = 0; t < 8; ++t)
    CHECK_MESSAGE(kcell::test::same_bits(got[t], expected[t]), "thread " << t);
}
