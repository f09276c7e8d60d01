// Whole networks: gradients end to end, batch-norm statistics, dropout masks, plan caching,
// training versus inference, initialisation and names.
#include <doctest/doctest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <map>

#include "common/error.hpp"
#include "nn/basic_block_layer.hpp"
#include "nn/batch_norm_layer.hpp"
#include "nn/conv_layer.hpp"
#include "nn/dense_layer.hpp"
#include "nn/network.hpp"
#include "test_nn_support.hpp"

using namespace kcell::nn;
using namespace kcell::nn::test;
using kcell::spec::Architecture;
using kcell::spec::LayerKind;
using kcell::spec::LayerSpec;

namespace {

LayerSpec conv(int out, int k, int stride = 1, int pad = -1, bool bias = true) {
  LayerSpec s;
  s.kind = LayerKind::conv;
  s.out = out;
  s.kernel = k;
  s.stride = stride;
  s.pad = pad;
  s.bias = bias;
  return s;
}
LayerSpec simple(LayerKind kind) {
  LayerSpec s;
  s.kind = kind;
  return s;
}
LayerSpec bn() { return simple(LayerKind::batch_norm); }
LayerSpec relu() { return simple(LayerKind::relu); }
LayerSpec flatten() { return simple(LayerKind::flatten); }
LayerSpec gap() { return simple(LayerKind::global_avg_pool); }
LayerSpec maxpool(int k) {
  LayerSpec s = simple(LayerKind::max_pool);
  s.kernel = k;
  s.stride = k;
  s.pad = 0;
  return s;
}
LayerSpec avgpool_spec() {
  LayerSpec s = simple(LayerKind::avg_pool);
  s.kernel = 2;
  s.stride = 1;
  s.pad = 0;
  return s;
}
LayerSpec dropout(float rate) {
  LayerSpec s = simple(LayerKind::dropout);
  s.rate = rate;
  return s;
}
LayerSpec dense(int out = 0) {
  LayerSpec s = simple(LayerKind::dense);
  s.out = out;
  return s;
}
LayerSpec res(int out, int stride = 1) {
  LayerSpec s = simple(LayerKind::basic_block);
  s.out = out;
  s.stride = stride;
  return s;
}
Architecture arch(std::initializer_list<LayerSpec> layers) {
  Architecture a;
  a.text = "test";
  a.layers = layers;
  return a;
}

Architecture reference() {
  return arch({conv(32, 3), bn(),           relu(),      conv(32, 3),    bn(),      relu(),
               maxpool(2),  dropout(0.25f), conv(64, 3), bn(),           relu(),    conv(64, 3),
               bn(),        relu(),         maxpool(2),  dropout(0.25f), flatten(), dense(256),
               relu(),      dropout(0.5f),  dense()});
}

std::vector<float> copy_logits(Network& net, const std::vector<float>& x, int n, bool training) {
  const float* p = net.forward(x.data(), n, training);
  return std::vector<float>(p, p + static_cast<size_t>(n) * net.num_classes());
}

// Finite-difference check of every parameter (a spread subset of the large ones) of a
// network in training mode, J = sum(r ⊙ logits). reseed: restart dropout before every
// forward so all evaluations share one mask.
void check_network_gradients(Network& net, const std::vector<float>& x, int n, double eps,
                             bool reseed) {
  const std::vector<float> r = random_vector(static_cast<size_t>(n) * net.num_classes(), 31);
  auto objective = [&] {
    if (reseed) net.set_dropout_seed(77);
    const float* y = net.forward(x.data(), n, true);
    double j = 0;
    for (size_t i = 0; i < r.size(); ++i) j += double{r[i]} * y[i];
    return j;
  };
  objective();
  net.backward(r.data());
  for (Param* p : net.params()) {
    const std::vector<float> analytic = p->grad;
    GradCheck c = check_gradient(
        p->value, analytic, objective, [&] { net.weights_changed(); }, eps,
        spread_indices(p->value.size(), 40));
    INFO(p->name << " rel error " << c.rel_error << " of gradient norm " << c.scale);
    // A bias right before batch norm has a zero gradient (the normalisation removes it):
    // then only float noise is left to compare, so the test is absolute.
    CHECK((c.rel_error < 2e-2 || c.scale < 1e-2));
  }
}

}  // namespace

TEST_CASE("a conv-bn-relu-maxpool-dense network's gradients match finite differences") {
  for (bool fuse : {true, false}) {
    NetworkOptions options;
    options.fuse_bn_relu = fuse;
    Network net(arch({conv(4, 3), bn(), relu(), maxpool(2), flatten(), dense()}), 2, 6, 6, 5, 101,
                options);
    const std::vector<float> x = random_vector(3 * 2 * 6 * 6, 102);
    check_network_gradients(net, x, 3, 3e-4, false);
  }
}

TEST_CASE("fusing batch norm with relu does not change outputs or gradients") {
  const Architecture a =
      arch({conv(8, 3), bn(), relu(), conv(8, 3), bn(), relu(), flatten(), dense()});
  NetworkOptions unfused;
  unfused.fuse_bn_relu = false;
  Network fused_net(a, 1, 5, 5, 3, 7), plain_net(a, 1, 5, 5, 3, 7, unfused);
  const std::vector<float> x = random_vector(4 * 25, 8);
  const std::vector<float> y1 = copy_logits(fused_net, x, 4, true);
  const std::vector<float> y2 = copy_logits(plain_net, x, 4, true);
  for (size_t i = 0; i < y1.size(); ++i) CHECK(y1[i] == doctest::Approx(y2[i]).epsilon(1e-5));
  const std::vector<float> r = random_vector(y1.size(), 9);
  fused_net.backward(r.data());
  plain_net.backward(r.data());
  auto p1 = fused_net.params(), p2 = plain_net.params();
  REQUIRE(p1.size() == p2.size());
  for (size_t k = 0; k < p1.size(); ++k) {
    for (size_t i = 0; i < p1[k]->grad.size(); ++i) {
      CHECK(p1[k]->grad[i] == doctest::Approx(p2[k]->grad[i]).epsilon(1e-4).scale(1e-3));
    }
  }
}

TEST_CASE("a network with dropout keeps one mask between its forward and backward") {
  Network net(arch({conv(4, 3), relu(), dropout(0.3f), flatten(), dense(6), relu(), dropout(0.5f),
                    dense()}),
              1, 5, 5, 3, 103);
  const std::vector<float> x = random_vector(2 * 25, 104);
  check_network_gradients(net, x, 2, 3e-4, true);
}

TEST_CASE("a residual network (blocks, global average pooling) has correct gradients") {
  Network net(arch({conv(8, 3), bn(), relu(), res(8), res(16, 2), gap(), dense()}), 3, 6, 6, 4,
              105);
  const std::vector<float> x = random_vector(2 * 3 * 36, 106);
  check_network_gradients(net, x, 2, 3e-4, false);
}

TEST_CASE("same-sized residual blocks, which share gradient buffers, have correct gradients") {
  // The blocks' backward passes reuse each other's dead gradient buffers (GradientPool).
  Network net(arch({conv(4, 3), bn(), relu(), res(4), res(4), res(4), gap(), dense()}), 1, 5, 5, 3,
              111);
  const std::vector<float> x = random_vector(2 * 25, 112);
  check_network_gradients(net, x, 2, 3e-4, false);
}

TEST_CASE("a network that starts with a residual block has correct parameter gradients") {
  // The block is the first layer: it builds no input gradient (nobody reads it).
  Network net(arch({res(8, 2), avgpool_spec(), gap(), dense()}), 3, 6, 6, 4, 107);
  const std::vector<float> x = random_vector(2 * 3 * 36, 108);
  check_network_gradients(net, x, 2, 3e-4, false);
}

TEST_CASE("flatten in front of batch norm yields per-feature statistics and gradients") {
  Network net(arch({conv(16, 3), relu(), flatten(), bn(), dense()}), 2, 3, 3, 3, 109);
  const std::vector<float> x = random_vector(4 * 2 * 9, 110);
  check_network_gradients(net, x, 4, 3e-4, false);
  CHECK(net.buffers()[0]->shape == std::vector<int64_t>{16 * 3 * 3});
}

TEST_CASE("batch norm running statistics follow PyTorch: momentum 0.1, unbiased variance") {
  // 2 channels, 1x2 images, batch 2: channel 0 sees {1, 2, 5, 6}, channel 1 {0, 4, 8, 4}.
  Network net(arch({bn(), flatten()}), 2, 1, 2, 4, 1);
  const std::vector<float> x = {1, 2, 0, 4, 5, 6, 8, 4};
  const std::vector<float> y = copy_logits(net, x, 2, true);
  // Channel 0: mean 3.5, biased var (6.25 + 2.25 + 2.25 + 6.25) / 4 = 4.25, unbiased 17/3.
  // Channel 1: mean 4, biased var (16 + 0 + 16 + 0) / 4 = 8, unbiased 32/3.
  const auto bufs = net.buffers();
  REQUIRE(bufs.size() == 2);
  CHECK(bufs[0]->name == "0.bn.running_mean");
  CHECK(bufs[1]->name == "0.bn.running_var");
  CHECK(bufs[0]->value[0] == doctest::Approx(0.35));
  CHECK(bufs[0]->value[1] == doctest::Approx(0.4));
  CHECK(bufs[1]->value[0] == doctest::Approx(0.9 + 0.1 * 17.0 / 3.0));
  CHECK(bufs[1]->value[1] == doctest::Approx(0.9 + 0.1 * 32.0 / 3.0));
  // Training output uses the batch statistics (biased variance).
  CHECK(y[0] == doctest::Approx((1 - 3.5) / std::sqrt(4.25 + 1e-5)));
  CHECK(y[3] == doctest::Approx((4 - 4.0) / std::sqrt(8.0 + 1e-5)).scale(1e-6));
  CHECK(y[5] == doctest::Approx((6 - 3.5) / std::sqrt(4.25 + 1e-5)));
  // A second step moves the running values again: 0.9 old + 0.1 batch.
  copy_logits(net, x, 2, true);
  CHECK(bufs[0]->value[0] == doctest::Approx(0.9 * 0.35 + 0.35));
  CHECK(bufs[1]->value[1] == doctest::Approx(0.9 * (0.9 + 0.1 * 32.0 / 3.0) + 0.1 * 32.0 / 3.0));
  // Inference normalises with the running statistics and leaves them alone.
  const float rm = bufs[0]->value[0], rv = bufs[1]->value[0];
  const std::vector<float> z = copy_logits(net, x, 2, false);
  CHECK(z[0] == doctest::Approx((1 - rm) / std::sqrt(rv + 1e-5)));
  CHECK(bufs[0]->value[0] == rm);
  CHECK(bufs[1]->value[0] == rv);
}

TEST_CASE("dropout scales kept values by 1/(1-p), repeats with the seed, is off at inference") {
  Network net(arch({dropout(0.5f), flatten()}), 1, 16, 16, 256, 1);
  const std::vector<float> x(4 * 256, 3.f);
  net.set_dropout_seed(5);
  const std::vector<float> a = copy_logits(net, x, 4, true);
  size_t dropped = 0;
  for (float v : a) {
    CHECK((v == 0.f || v == 6.f));
    dropped += v == 0.f;
  }
  CHECK(dropped > 430);  // 1024 elements, p = 0.5: 512 ± 16
  CHECK(dropped < 594);
  const std::vector<float> b = copy_logits(net, x, 4, true);  // next step: a new mask
  CHECK(a != b);
  net.set_dropout_seed(5);
  CHECK(copy_logits(net, x, 4, true) == a);  // same seed and step: the same mask
  net.set_dropout_seed(6);
  CHECK(copy_logits(net, x, 4, true) != a);
  CHECK(copy_logits(net, x, 4, false) == x);  // inference: identity
}

TEST_CASE("dropout masks do not depend on the thread count") {
  Network net(arch({dropout(0.3f), flatten()}), 2, 15, 15, 450, 1);
  const std::vector<float> x = random_vector(3 * 450, 2);
  const int before = omp_get_max_threads();
  omp_set_num_threads(1);
  net.set_dropout_seed(9);
  const std::vector<float> one = copy_logits(net, x, 3, true);
  omp_set_num_threads(2);
  net.set_dropout_seed(9);
  const std::vector<float> two = copy_logits(net, x, 3, true);
  omp_set_num_threads(before);
  CHECK(one == two);
}

TEST_CASE("forward caches one plan per batch size and mode and reuses it") {
  const Architecture a = arch({conv(8, 3), bn(), relu(), maxpool(2), flatten(), dense()});
  Network net(a, 1, 8, 8, 3, 11);
  const std::vector<float> x = random_vector(4 * 64, 12);
  const std::vector<float> y4 = copy_logits(net, x, 4, false);
  const std::vector<float> y3 = copy_logits(net, x, 3, false);
  CHECK(net.cached_plans() == 2);
  // Inference treats samples independently: the first three agree across batch sizes.
  for (size_t i = 0; i < y3.size(); ++i) CHECK(y3[i] == doctest::Approx(y4[i]).epsilon(1e-5));
  CHECK(copy_logits(net, x, 4, false) == y4);  // reused, same numbers
  CHECK(net.cached_plans() == 2);
  copy_logits(net, x, 4, true);
  CHECK(net.cached_plans() == 3);
}

TEST_CASE("a new thread count gets its own plan (oneDNN fixes the work split at creation)") {
  Network net(arch({conv(16, 3), bn(), relu(), flatten(), dense()}), 1, 6, 6, 3, 29);
  const std::vector<float> x = random_vector(8 * 36, 30);
  const int before = omp_get_max_threads();
  omp_set_num_threads(1);
  const std::vector<float> one = copy_logits(net, x, 8, false);
  omp_set_num_threads(2);
  const std::vector<float> two = copy_logits(net, x, 8, false);
  omp_set_num_threads(before);
  CHECK(net.cached_plans() == 2);
  for (size_t i = 0; i < one.size(); ++i) CHECK(one[i] == doctest::Approx(two[i]).epsilon(1e-5));
}

TEST_CASE("the plan cache evicts the least recently used plan but keeps backward's") {
  NetworkOptions options;
  options.max_cached_plans = 2;
  Network net(arch({conv(4, 3), bn(), relu(), flatten(), dense()}), 1, 4, 4, 2, 13, options);
  const std::vector<float> x = random_vector(5 * 16, 14);
  const std::vector<float> r = random_vector(5 * 2, 15);
  copy_logits(net, x, 5, true);
  const std::vector<float> first = copy_logits(net, x, 1, false);
  copy_logits(net, x, 2, false);  // evicts batch 1, not the training plan
  copy_logits(net, x, 3, false);  // evicts batch 2
  CHECK(net.cached_plans() == 2);
  CHECK(copy_logits(net, x, 1, false) == first);  // rebuilt after eviction, same result
  net.backward(r.data());  // the batch-5 training plan survived the evictions
  const std::vector<float> grad = net.params()[0]->grad;
  copy_logits(net, x, 5, true);
  net.backward(r.data());
  CHECK(net.params()[0]->grad == grad);
}

TEST_CASE("training and inference agree without batch norm and dropout") {
  Network net(arch({conv(8, 3), relu(), maxpool(2), flatten(), dense()}), 1, 6, 6, 3, 16);
  const std::vector<float> x = random_vector(2 * 36, 17);
  const std::vector<float> t = copy_logits(net, x, 2, true);
  const std::vector<float> i = copy_logits(net, x, 2, false);
  for (size_t k = 0; k < t.size(); ++k) CHECK(t[k] == doctest::Approx(i[k]).epsilon(1e-6));
}

TEST_CASE("batch norm inference equals training once running stats hold the batch stats") {
  Network net(arch({conv(4, 3), bn(), relu(), flatten(), dense()}), 1, 5, 5, 3, 18);
  const std::vector<float> x = random_vector(3 * 25, 19);
  const std::vector<float> t = copy_logits(net, x, 3, true);
  // From the initial (0, 1): running_mean = 0.1 mean, running_var = 0.9 + 0.1 unbiased var.
  auto bufs = net.buffers();
  const double count = 3 * 25;
  for (size_t c = 0; c < bufs[0]->value.size(); ++c) {
    bufs[0]->value[c] = static_cast<float>(bufs[0]->value[c] / 0.1);
    const double unbiased = (bufs[1]->value[c] - 0.9) / 0.1;
    bufs[1]->value[c] = static_cast<float>(unbiased * (count - 1) / count);
  }
  const std::vector<float> i = copy_logits(net, x, 3, false);
  for (size_t k = 0; k < t.size(); ++k) {
    CHECK(t[k] == doctest::Approx(i[k]).epsilon(1e-3).scale(1e-3));
  }
  // Without that, inference (running stats) differs from training (batch stats).
  Network fresh(arch({conv(4, 3), bn(), relu(), flatten(), dense()}), 1, 5, 5, 3, 18);
  const std::vector<float> f = copy_logits(fresh, x, 3, false);
  CHECK(f != t);
}

TEST_CASE("weights_changed makes the next forward use the new parameter values") {
  const Architecture a = arch({conv(16, 3), bn(), relu(), flatten(), dense()});
  Network net(a, 1, 5, 5, 4, 20), other(a, 1, 5, 5, 4, 21);
  const std::vector<float> x = random_vector(2 * 25, 22);
  copy_logits(net, x, 2, false);  // packs the initial weights
  auto mine = net.params(), theirs = other.params();
  for (size_t k = 0; k < mine.size(); ++k) mine[k]->value = theirs[k]->value;  // may move
  net.weights_changed();
  CHECK(copy_logits(net, x, 2, false) == copy_logits(other, x, 2, false));
}

TEST_CASE("the same seed gives bit-identical weights, logits and gradients") {
  const Architecture a = arch({conv(8, 3), bn(), relu(), maxpool(2), dropout(0.25f), flatten(),
                               dense(16), relu(), dense()});
  Network n1(a, 1, 8, 8, 3, 23), n2(a, 1, 8, 8, 3, 23), n3(a, 1, 8, 8, 3, 24);
  const std::vector<float> x = random_vector(4 * 64, 25);
  const std::vector<float> r = random_vector(4 * 3, 26);
  CHECK(copy_logits(n1, x, 4, true) == copy_logits(n2, x, 4, true));
  n1.backward(r.data());
  n2.backward(r.data());
  for (size_t k = 0; k < n1.params().size(); ++k) {
    CHECK(n1.params()[k]->value == n2.params()[k]->value);
    CHECK(n1.params()[k]->grad == n2.params()[k]->grad);
  }
  CHECK(n1.params()[0]->value != n3.params()[0]->value);
}

TEST_CASE("dense after a blocked conv output flattens in C, H, W order") {
  // Same seed: the conv is initialised first, so both networks share its weights.
  Network with_dense(arch({conv(16, 3), flatten(), dense(5)}), 2, 3, 3, 5, 27);
  Network conv_only(arch({conv(16, 3), flatten()}), 2, 3, 3, 144, 27);
  const std::vector<float> x = random_vector(2 * 18, 28);
  const std::vector<float> features = copy_logits(conv_only, x, 2, false);
  const std::vector<float> logits = copy_logits(with_dense, x, 2, false);
  const Param& w = *find_param(with_dense.params(), "2.dense.weight");
  const Param& b = *find_param(with_dense.params(), "2.dense.bias");
  CHECK(w.shape == std::vector<int64_t>{5, 144});
  for (size_t n = 0; n < 2; ++n) {
    for (size_t o = 0; o < 5; ++o) {
      double y = b.value[o];
      for (size_t f = 0; f < 144; ++f) y += double{w.value[o * 144 + f]} * features[n * 144 + f];
      CHECK(logits[n * 5 + o] == doctest::Approx(y).epsilon(1e-4));
    }
  }
}

TEST_CASE("reference architecture: parameter names, shapes and count") {
  Network net(reference(), 1, 28, 28, 10, 1);
  std::vector<std::string> names;
  for (Param* p : net.params()) names.push_back(p->name);
  CHECK(names == std::vector<std::string>{
                     "0.conv.weight",   "0.conv.bias",   "1.bn.weight",     "1.bn.bias",
                     "3.conv.weight",   "3.conv.bias",   "4.bn.weight",     "4.bn.bias",
                     "8.conv.weight",   "8.conv.bias",   "9.bn.weight",     "9.bn.bias",
                     "11.conv.weight",  "11.conv.bias",  "12.bn.weight",    "12.bn.bias",
                     "17.dense.weight", "17.dense.bias", "20.dense.weight", "20.dense.bias"});
  CHECK(net.params()[16]->shape == std::vector<int64_t>{256, 3136});
  CHECK(net.params()[18]->shape == std::vector<int64_t>{10, 256});
  CHECK(net.buffers().size() == 8);
  CHECK(net.buffers()[0]->name == "1.bn.running_mean");
  // 320 + 64 + 9248 + 64 + 18496 + 128 + 36928 + 128 + 803072 + 2570
  CHECK(net.num_params() == 871018);
  CHECK(net.num_classes() == 10);
}

TEST_CASE("initialisation follows PyTorch's defaults: U(+-1/sqrt(fan_in)), bn 1 and 0") {
  Network net(reference(), 1, 28, 28, 10, 3);
  auto check_uniform = [](const Param& p, double fan_in) {
    const double bound = 1.0 / std::sqrt(fan_in);
    float lo = 1e9f, hi = -1e9f;
    double mean = 0;
    for (float v : p.value) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
      mean += v;
    }
    mean /= static_cast<double>(p.value.size());
    INFO(p.name);
    CHECK(lo >= -bound);
    CHECK(hi <= bound);
    if (p.value.size() >= 256) {
      CHECK(hi > 0.95 * bound);
      CHECK(lo < -0.95 * bound);
      CHECK(std::fabs(mean) < 0.1 * bound);
    }
  };
  auto params = net.params();
  check_uniform(*params[0], 9);       // 0.conv.weight, fan_in 1*3*3
  check_uniform(*params[1], 9);       // 0.conv.bias
  check_uniform(*params[4], 32 * 9);  // 3.conv.weight
  check_uniform(*params[16], 3136);   // 17.dense.weight
  check_uniform(*params[19], 256);    // 20.dense.bias
  CHECK(params[2]->value == std::vector<float>(32, 1.f));
  CHECK(params[3]->value == std::vector<float>(32, 0.f));
  CHECK(!params[3]->is_weight);
  CHECK(params[0]->is_weight);
  CHECK(net.buffers()[1]->value == std::vector<float>(32, 1.f));
}

TEST_CASE("network construction rejects architectures that do not fit") {
  auto status_of = [](auto&& make) {
    try {
      make();
    } catch (const kcell::Error& e) {
      return e.status();
    }
    return kcell::Status::ok;
  };
  using kcell::Status;
  CHECK(status_of([] {
          Network(arch({conv(4, 3), flatten()}), 1, 4, 4, 10, 1);
        }) == Status::spec);  // 64 outputs, 10 classes
  CHECK(status_of([] {
          Network(arch({conv(4, 7, 1, 0), flatten(), dense()}), 1, 4, 4, 3, 1);
        }) == Status::spec);  // kernel larger than the image
  CHECK(status_of([] { Network(arch({}), 1, 4, 4, 3, 1); }) == Status::spec);
  CHECK(status_of([] {
          Network(arch({dropout(1.f), flatten(), dense()}), 1, 4, 4, 3, 1);
        }) == Status::spec);
  CHECK(status_of([] {
          Network(arch({flatten(), conv(4, 3), dense()}), 1, 4, 4, 3, 1);
        }) == Status::spec);
  CHECK(status_of([] { Network(arch({dense()}), 0, 4, 4, 3, 1); }) == Status::invalid_argument);
  CHECK(status_of([] {
          Network(arch({maxpool(8), flatten(), dense()}), 1, 4, 4, 3, 1);
        }) == Status::spec);
}

TEST_CASE("network use errors: backward first, null input, batch norm on one value") {
  using kcell::Status;
  Network net(arch({flatten(), dense(4), bn(), dense()}), 1, 2, 2, 3, 1);
  const std::vector<float> x(8, 1.f), r(6, 1.f);
  CHECK_THROWS_AS(net.backward(r.data()), kcell::Error);
  CHECK_THROWS_AS(net.forward(nullptr, 2, true), kcell::Error);
  CHECK_THROWS_AS(net.forward(x.data(), 0, true), kcell::Error);
  try {
    net.forward(x.data(), 1, true);  // a flat batch norm over one sample has no variance
    FAIL("expected an error");
  } catch (const kcell::Error& e) {
    CHECK(e.status() == Status::invalid_argument);
  }
  CHECK_NOTHROW(net.forward(x.data(), 1, false));  // inference is fine
  CHECK_NOTHROW(net.forward(x.data(), 2, true));
  CHECK_NOTHROW(net.backward(r.data()));
}

TEST_CASE("every parameter and buffer is reported by exactly one layer's typed tensors") {
  const kcell::spec::Architecture arch = kcell::spec::parse_architecture(
      "conv(4,3) bn relu res(4) res(8,stride=2) gap dense(6) relu dense");
  Network net(arch, 1, 8, 8, 3, 7);
  std::map<const void*, int> reported;
  const auto weights = [&](const WeightTensors& t) {
    ++reported[t.weight];
    if (t.bias) ++reported[t.bias];
  };
  const auto norm = [&](const BatchNormTensors& t) {
    for (const void* p : {static_cast<const void*>(t.scale), static_cast<const void*>(t.shift),
                          static_cast<const void*>(t.mean), static_cast<const void*>(t.var)})
      ++reported[p];
  };
  for (size_t i = 0; i < arch.layers.size(); ++i) {
    const Layer& l = net.layer(i);
    if (const auto* c = dynamic_cast<const ConvLayer*>(&l)) weights(c->tensors());
    if (const auto* d = dynamic_cast<const DenseLayer*>(&l)) weights(d->tensors());
    if (const auto* b = dynamic_cast<const BatchNormLayer*>(&l)) norm(b->tensors());
    if (const auto* r = dynamic_cast<const BasicBlockLayer*>(&l)) {
      const BasicBlockLayer::Tensors t = r->tensors();
      weights(t.conv1);
      weights(t.conv2);
      norm(t.bn1);
      norm(t.bn2);
      CHECK(t.projection == (i == 4));  // only the block that halves and widens
      if (t.projection) {
        weights(t.shortcut_conv);
        norm(t.shortcut_bn);
      }
    }
  }
  size_t tensors = 0;
  for (const Param* p : net.params()) {
    CHECK_MESSAGE(reported[p] == 1, p->name);
    ++tensors;
  }
  for (const Buffer* b : net.buffers()) {
    CHECK_MESSAGE(reported[b] == 1, b->name);
    ++tensors;
  }
  CHECK(reported.size() == tensors);  // nothing reported that the network does not own
  CHECK_THROWS_AS(net.layer(arch.layers.size()), kcell::Error);
}
