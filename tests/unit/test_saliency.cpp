// Saliency: the gradients nn::Network::class_gradients computes against finite differences
// of the inference logits, the maps built from them, and Grad-CAM on a hand-built network
// whose evidence is known (the bright pixels of an image).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "infer/saliency.hpp"
#include "model/model.hpp"
#include "nn/network.hpp"
#include "spec/architecture.hpp"
#include "test_infer_support.hpp"
#include "test_nn_support.hpp"

using namespace kcell;

namespace {

Status status_of(const std::function<void()>& body) {
  try {
    body();
  } catch (const Error& e) {
    return e.status();
  }
  return Status::ok;
}

nn::Param& param(model::Model& m, const std::string& name) {
  return *nn::test::find_param(m.network().params(), name);
}

}  // namespace

TEST_CASE("class gradients of the input match finite differences of the inference logits") {
  struct Case {
    const char* spec;
    int channels;
  };
  // Batch norms with running statistics, dropout (off at inference), max pooling, dense
  // layers and a residual block with a projection shortcut. A small step: with 1e-2, ReLU
  // and max-pool kinks of these random inputs put the error at 3-8 %; at 3e-4 it is under
  // 1 % (the fp32 logits are exact enough for it).
  const Case cases[] = {
      {"conv(4,3) bn relu maxpool(2) dropout(0.3) conv(4,3) bn relu flatten dense(6) relu dense",
       1},
      {"conv(4,3) bn relu res(6,2) gap dense", 3},
      {"conv(4,3) relu maxpool(2) flatten dense", 1},
  };
  for (const Case& c : cases) {
    INFO(std::string(c.spec));
    auto m = test::model_with_statistics(c.spec, c.channels, 8, 3);
    nn::Network& net = m->network();
    const int n = 2;
    const int classes[n] = {2, 0};
    std::vector<float> x = nn::test::random_vector(static_cast<size_t>(n) * m->input_size(), 41);
    std::vector<float> analytic(x.size());
    nn::ClassGradients out;
    out.input = analytic.data();
    net.class_gradients(x.data(), n, classes, out);
    auto objective = [&] {
      const float* z = net.forward(x.data(), n, false);
      return static_cast<double>(z[classes[0]]) + static_cast<double>(z[3 + classes[1]]);
    };
    const nn::test::GradCheck check = nn::test::check_gradient(
        x, analytic, objective, [] {}, 3e-4, nn::test::spread_indices(x.size(), 120), true);
    INFO("rel error " << check.rel_error << ", skipped " << check.skipped);
    CHECK(check.skipped * 5 <= check.checked);
    CHECK(check.scale > 0);
    CHECK(check.rel_error < 2e-2);
  }
}

TEST_CASE("the logits of class_gradients are the inference logits") {
  auto m = test::model_with_statistics("conv(4,3) bn relu dropout(0.5) flatten dense", 1, 6, 3);
  const std::vector<float> x = nn::test::random_vector(3 * m->input_size(), 7);
  const int classes[3] = {0, 1, 2};
  std::vector<float> logits(9);
  nn::ClassGradients out;
  out.logits = logits.data();
  m->network().class_gradients(x.data(), 3, classes, out);
  const float* z = m->network().forward(x.data(), 3, false);
  for (size_t i = 0; i < logits.size(); ++i)
    CHECK(logits[i] == doctest::Approx(z[i]).epsilon(1e-5));
}

TEST_CASE("input-gradient maps are the largest absolute gradient over the channels") {
  auto m = test::model_with_statistics("conv(4,3) bn relu res(4) gap dense", 3, 8, 2);
  const size_t plane = 64;
  const std::vector<float> x = nn::test::random_vector(2 * m->input_size(), 3);
  const int classes[2] = {1, 0};
  std::vector<float> gradient(x.size()), maps(2 * plane);
  nn::ClassGradients out;
  out.input = gradient.data();
  m->network().class_gradients(x.data(), 2, classes, out);
  infer::SaliencyRequest request;
  request.method = infer::SaliencyMethod::input_gradient;
  infer::saliency_normalized(*m, x.data(), 2, classes, request, maps.data());
  for (size_t i = 0; i < 2; ++i)
    for (size_t p = 0; p < plane; ++p) {
      float want = 0;
      for (size_t c = 0; c < 3; ++c)
        want = std::max(want, std::fabs(gradient[(i * 3 + c) * plane + p]));
      CHECK(maps[i * plane + p] == doctest::Approx(want).epsilon(1e-5));
    }
}

TEST_CASE("Grad-CAM looks at the last convolutional block, after its batch norm and ReLU") {
  CHECK(infer::gradcam_layer(spec::parse_architecture("conv(4,3) bn relu flatten dense")) == 2);
  CHECK(infer::gradcam_layer(
            spec::parse_architecture("conv(4,3) relu maxpool(2) conv(4,3) gap dense")) == 3);
  CHECK(infer::gradcam_layer(spec::parse_architecture("res(4) res(8,2) gap dense")) == 1);
  CHECK(status_of([] { infer::gradcam_layer(spec::parse_architecture("flatten dense")); }) ==
        Status::unsupported);
}

// conv(1,3) with weights 1/9 and bias -0.5 sees where the local mean brightness exceeds
// half; gap + dense(+1 for class 1, -1 for class 0) make class 1 "something bright". The
// evidence for class 1 is exactly the bright region, and there is none for class 0.
TEST_CASE("Grad-CAM of a hand-built bright-region detector puts its mass on the bright quadrant") {
  const int side = 16;
  model::Model m(spec::parse_architecture("conv(1,3) relu gap dense"), 1, side, side, 2, 1);
  std::fill(param(m, "0.conv.weight").value.begin(), param(m, "0.conv.weight").value.end(),
            1.f / 9.f);
  param(m, "0.conv.bias").value = {-0.5f};
  param(m, "3.dense.weight").value = {-1.f, 1.f};
  param(m, "3.dense.bias").value = {0.f, 0.f};
  m.network().weights_changed();

  const size_t plane = side * side;
  std::vector<uint8_t> images = test::random_images(4, plane, 11);
  for (int q = 0; q < 4; ++q)
    for (int y = 0; y < side; ++y)
      for (int x = 0; x < side; ++x) {
        const bool inside = (y < side / 2) == (q < 2) && (x < side / 2) == (q % 2 == 0);
        uint8_t& px = images[static_cast<size_t>(q) * plane + static_cast<size_t>(y * side + x)];
        px = inside ? static_cast<uint8_t>(200 + px % 50) : static_cast<uint8_t>(px % 60);
      }
  std::vector<float> maps(4 * plane);
  std::vector<int32_t> explained(4);
  infer::saliency(m, images.data(), 4, infer::Layout::nchw, -1, infer::SaliencyRequest{},
                  maps.data(), explained.data());
  for (int q = 0; q < 4; ++q) {
    CAPTURE(q);
    CHECK(explained[static_cast<size_t>(q)] == 1);  // the prediction: something bright
    double inside = 0, total = 0;
    for (int y = 0; y < side; ++y)
      for (int x = 0; x < side; ++x) {
        const double v = maps[static_cast<size_t>(q) * plane + static_cast<size_t>(y * side + x)];
        CHECK(v >= 0);
        total += v;
        if ((y < side / 2) == (q < 2) && (x < side / 2) == (q % 2 == 0)) inside += v;
      }
    CHECK(total > 0);
    CHECK(inside / total > 0.95);
  }
  // No evidence for class 0 anywhere: its map is zero.
  infer::saliency(m, images.data(), 4, infer::Layout::nchw, 0, infer::SaliencyRequest{},
                  maps.data(), nullptr);
  CHECK(*std::max_element(maps.begin(), maps.end()) == 0.f);

  // Input gradients: only pixels whose 3 × 3 neighbourhood reaches the bright region count.
  infer::SaliencyRequest gradient;
  gradient.method = infer::SaliencyMethod::input_gradient;
  infer::saliency(m, images.data(), 1, infer::Layout::nchw, 1, gradient, maps.data(), nullptr);
  for (int y = 0; y < side; ++y)
    for (int x = 0; x < side; ++x)
      if (y > side / 2 || x > side / 2) CHECK(maps[static_cast<size_t>(y * side + x)] == 0.f);
}

TEST_CASE("saliency refuses bad layers, non-finite inputs and a model with NaN weights") {
  auto m = test::model_with_statistics("conv(4,3) bn relu flatten dense", 1, 6, 2);
  std::vector<float> x(m->input_size(), 0.5f), map(36);
  const int cls[1] = {0};
  infer::SaliencyRequest request;
  request.layer = 3;  // flatten
  CHECK(status_of([&] { infer::saliency_normalized(*m, x.data(), 1, cls, request, map.data()); }) ==
        Status::invalid_argument);
  request.layer = 9;
  CHECK(status_of([&] { infer::saliency_normalized(*m, x.data(), 1, cls, request, map.data()); }) ==
        Status::invalid_argument);
  request.layer = -1;
  x[5] = std::numeric_limits<float>::quiet_NaN();
  CHECK(status_of([&] { infer::saliency_normalized(*m, x.data(), 1, cls, request, map.data()); }) ==
        Status::invalid_argument);
  x[5] = 0.5f;
  // In the last layer: a ReLU would turn a NaN before it into 0, as it does in prediction.
  param(*m, "4.dense.weight").value[0] = std::numeric_limits<float>::quiet_NaN();
  m->network().weights_changed();
  CHECK(status_of([&] { infer::saliency_normalized(*m, x.data(), 1, cls, request, map.data()); }) ==
        Status::not_finite);
  std::vector<uint8_t> image(m->input_size(), 100);
  CHECK(status_of([&] {
          infer::saliency(*m, image.data(), 1, infer::Layout::nchw, -1, request, map.data(),
                          nullptr);
        }) == Status::not_finite);
}
