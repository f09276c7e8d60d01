// Every layer's backward pass against central finite differences of J = sum(r ⊙ output):
// gradients of the input and of each parameter, on small shapes.
#include <doctest/doctest.h>

#include <algorithm>
#include <numeric>

#include "nn/basic_block_layer.hpp"
#include "nn/batch_norm_layer.hpp"
#include "nn/conv_layer.hpp"
#include "nn/dense_layer.hpp"
#include "nn/dropout_layer.hpp"
#include "nn/flatten_layer.hpp"
#include "nn/pool_layer.hpp"
#include "nn/relu_layer.hpp"
#include "test_nn_support.hpp"

using namespace kcell::nn;
using namespace kcell::nn::test;

namespace {

constexpr double kEps = 1e-2;
constexpr double kTol = 2e-2;

// dJ/dinput of the harness's layer against finite differences over `count` input elements.
double check_input_gradient(LayerHarness& h, size_t count = 80, double eps = kEps,
                            bool detect_kinks = false) {
  h.forward();
  const std::vector<float> analytic = h.backward();
  GradCheck c = check_gradient(
      h.input, analytic, [&] { return h.objective(); }, [] {}, eps,
      spread_indices(h.input.size(), count), detect_kinks);
  INFO("input rel error " << c.rel_error << " skipped " << c.skipped);
  CHECK(c.skipped * 5 <= c.checked);
  return c.rel_error;
}

// Distinct values 0.05 apart in random order: no max-pool tie within a 1e-2 perturbation.
std::vector<float> distinct_values(size_t n, uint64_t seed) {
  std::vector<float> v(n);
  std::vector<float> key = random_vector(n, seed);
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return key[a] < key[b]; });
  for (size_t rank = 0; rank < n; ++rank) {
    v[order[rank]] = static_cast<float>(-1.0 + 0.05 * static_cast<double>(rank));
  }
  return v;
}

}  // namespace

TEST_CASE("conv backward matches finite differences for input, weight and bias") {
  struct Case {
    Shape in;
    ConvGeometry g;
  };
  const Case cases[] = {
      {{3, 5, 5}, {4, 3, 1, 1, true}},    // same padding
      {{3, 6, 6}, {5, 3, 2, 0, false}},   // strided, valid, no bias
      {{2, 4, 4}, {3, 1, 1, 0, true}},    // 1x1
      {{16, 4, 4}, {16, 3, 1, 1, true}},  // channel counts that get blocked layouts
      {{32, 6, 6}, {32, 3, 1, 1, true}},  // Winograd forward and backward data
  };
  for (const Case& c : cases) {
    kcell::SplitMix64 rng(11);
    ConvLayer conv("0.conv", c.in, c.g, rng);
    LayerHarness h(conv, c.in, 2);
    h.input = random_vector(h.input.size(), 3);
    CHECK(check_input_gradient(h) < kTol);
    check_layer_params(conv, h, kEps);
  }
}

TEST_CASE("batch norm backward in training matches finite differences, image and flat") {
  const Shape shapes[] = {{3, 3, 3, false}, {16, 2, 2, false}, {5, 1, 1, true}};
  for (const Shape& in : shapes) {
    BatchNormLayer bn("1.bn", in, false);
    std::vector<Param*> params;
    std::vector<kcell::nn::Buffer*> buffers;
    bn.collect(params, buffers);
    // Scale and shift away from their 1 / 0 initial values so both show in the gradients.
    params[0]->value = random_vector(params[0]->value.size(), 5, 0.5, 1.5);
    params[1]->value = random_vector(params[1]->value.size(), 6);
    LayerHarness h(bn, in, 6);
    h.input = random_vector(h.input.size(), 7, -2.0, 2.0);
    CHECK(check_input_gradient(h) < kTol);
    check_layer_params(bn, h, kEps);
  }
}

TEST_CASE("batch norm fused with relu backward matches finite differences") {
  const Shape in{4, 3, 3, false};
  BatchNormLayer bn("1.bn", in, true);
  LayerHarness h(bn, in, 3);
  h.input = away_from_zero(h.input.size(), 8, 0.5);
  CHECK(check_input_gradient(h, 80, kEps, true) < kTol);
  check_layer_params(bn, h, kEps, 60, true);
  // The output really went through a ReLU: no negatives, and some zeros.
  const auto& out = h.forward();
  CHECK(*std::min_element(out.begin(), out.end()) == 0.f);
}

TEST_CASE("relu backward passes the gradient where the input is positive") {
  const Shape in{3, 4, 4, false};
  ReluLayer relu(in);
  LayerHarness h(relu, in, 2);
  h.input = away_from_zero(h.input.size(), 9, 0.05);
  CHECK(check_input_gradient(h, 96) < kTol);
  for (size_t i = 0; i < h.input.size(); ++i) {
    CHECK(h.diff_in[i] == (h.input[i] > 0 ? h.r[i] : 0.f));
  }
}

TEST_CASE("max pooling backward routes the gradient to each window's maximum") {
  struct Case {
    Shape in;
    int64_t k, s;
  };
  const Case cases[] = {
      {{2, 4, 4}, 2, 2}, {{3, 5, 5}, 3, 2}, {{2, 5, 5}, 2, 2}, {{16, 4, 4}, 2, 2}};
  for (const Case& c : cases) {
    PoolLayer pool("2.maxpool", c.in, PoolKind::max, c.k, c.s);
    LayerHarness h(pool, c.in, 2);
    h.input = distinct_values(h.input.size(), 10);
    CHECK(check_input_gradient(h, 100) < kTol);
  }
}

TEST_CASE("max pooling output size follows floor mode: 5x5 window 2 gives 2x2") {
  PoolLayer pool("2.maxpool", Shape{1, 5, 5, false}, PoolKind::max, 2, 2);
  CHECK(pool.out_shape().h == 2);
  CHECK(pool.out_shape().w == 2);
}

TEST_CASE("average and global average pooling backward match finite differences") {
  {
    const Shape in{3, 5, 5, false};
    PoolLayer pool("2.avgpool", in, PoolKind::avg, 2, 1);  // overlapping windows
    LayerHarness h(pool, in, 2);
    h.input = random_vector(h.input.size(), 12);
    CHECK(check_input_gradient(h, 100) < kTol);
  }
  {
    const Shape in{16, 3, 3, false};
    PoolLayer gap("5.gap", in, PoolKind::global_avg, 0, 0);
    CHECK(gap.out_shape().h == 1);
    LayerHarness h(gap, in, 2);
    h.input = random_vector(h.input.size(), 13);
    const auto& out = h.forward();
    double mean = 0;
    for (int i = 0; i < 9; ++i) mean += h.input[static_cast<size_t>(i)];
    CHECK(out[0] == doctest::Approx(mean / 9).epsilon(1e-5));
    CHECK(check_input_gradient(h, 100) < kTol);
  }
}

TEST_CASE("dropout backward applies the forward mask and scale") {
  const Shape in{3, 4, 4, false};
  DropoutLayer drop("3.dropout", in, 0.4, 3);
  LayerHarness h(drop, in, 2);
  h.clock().seed = 42;
  h.input = random_vector(h.input.size(), 14);
  CHECK(check_input_gradient(h, 96) < kTol);
  const auto& out = h.forward();
  for (size_t i = 0; i < out.size(); ++i) {
    // Same mask forward and backward: dJ/dx_i = r_i * out_i / x_i.
    CHECK(h.diff_in[i] == doctest::Approx(h.r[i] * out[i] / h.input[i]).epsilon(1e-5));
  }
}

TEST_CASE("dense backward matches finite differences for flat and image inputs") {
  const Shape shapes[] = {{7, 1, 1, true}, {3, 2, 2, false}, {16, 2, 2, false}};
  for (const Shape& in : shapes) {
    kcell::SplitMix64 rng(15);
    DenseLayer dense("9.dense", in, 5, true, rng);
    LayerHarness h(dense, in, 3);
    h.input = random_vector(h.input.size(), 16);
    CHECK(check_input_gradient(h) < kTol);
    check_layer_params(dense, h, kEps);
  }
}

TEST_CASE("dense on an image input flattens in C, H, W order like PyTorch") {
  const Shape in{3, 2, 2, false};
  kcell::SplitMix64 rng(17);
  DenseLayer dense("9.dense", in, 4, true, rng);
  std::vector<Param*> params;
  std::vector<kcell::nn::Buffer*> buffers;
  dense.collect(params, buffers);
  const Param& w = *params[0];
  const Param& b = *params[1];
  CHECK(w.shape == std::vector<int64_t>{4, 12});
  LayerHarness h(dense, in, 2);
  h.input = random_vector(h.input.size(), 18);
  const auto& out = h.forward();
  for (size_t n = 0; n < 2; ++n) {
    for (size_t o = 0; o < 4; ++o) {
      double y = b.value[o];
      for (size_t f = 0; f < 12; ++f) y += double{w.value[o * 12 + f]} * h.input[n * 12 + f];
      CHECK(out[n * 4 + o] == doctest::Approx(y).epsilon(1e-5));
    }
  }
}

TEST_CASE("flatten keeps C, H, W order and passes the gradient back unchanged") {
  const Shape in{3, 2, 3, false};
  FlattenLayer flatten(in);
  CHECK(flatten.out_shape().flat);
  CHECK(flatten.out_shape().c == 18);
  LayerHarness h(flatten, in, 2);
  h.input = random_vector(h.input.size(), 19);
  CHECK(h.forward() == h.input);
  CHECK(h.backward() == h.r);
}

TEST_CASE("basic block backward matches finite differences, identity and projection") {
  struct Case {
    Shape in;
    int64_t out, stride;
    size_t params;
  };
  // identity: conv1, bn1 (2), conv2, bn2 (2); projection adds conv and bn (2).
  const Case cases[] = {{{4, 5, 5, false}, 4, 1, 6}, {{4, 6, 6, false}, 8, 2, 9}};
  for (const Case& c : cases) {
    kcell::SplitMix64 rng(20);
    BasicBlockLayer block("3.block", c.in, c.out, c.stride, rng);
    std::vector<Param*> params;
    std::vector<kcell::nn::Buffer*> buffers;
    block.collect(params, buffers);
    CHECK(params.size() == c.params);
    LayerHarness h(block, c.in, 2);
    h.input = random_vector(h.input.size(), 21);
    // Two ReLUs after batch norms put kinks everywhere: a small step stays clear of them
    // (checked: the error falls from ~5e-2 at 1e-2 to ~2e-4 at 3e-4).
    CHECK(check_input_gradient(h, 60, 3e-4) < kTol);
    check_layer_params(block, h, 3e-4, 40);
  }
}

TEST_CASE("basic block with projection names its parameters by branch") {
  kcell::SplitMix64 rng(22);
  BasicBlockLayer block("3.block", Shape{4, 6, 6, false}, 8, 2, rng);
  std::vector<Param*> params;
  std::vector<kcell::nn::Buffer*> buffers;
  block.collect(params, buffers);
  std::vector<std::string> names;
  for (Param* p : params) names.push_back(p->name);
  CHECK(names ==
        std::vector<std::string>{"3.block.conv1.weight", "3.block.bn1.weight", "3.block.bn1.bias",
                                 "3.block.conv2.weight", "3.block.bn2.weight", "3.block.bn2.bias",
                                 "3.block.shortcut.conv.weight", "3.block.shortcut.bn.weight",
                                 "3.block.shortcut.bn.bias"});
  CHECK(params[0]->shape == std::vector<int64_t>{8, 4, 3, 3});
  CHECK(params[6]->shape == std::vector<int64_t>{8, 4, 1, 1});
  CHECK(buffers.size() == 6);
  CHECK(block.out_shape().h == 3);
}
