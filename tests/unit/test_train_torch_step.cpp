// Two training steps of a small CNN (conv, batch norm, ReLU, max-pool, dense) match the
// numbers PyTorch wrote in tests/fixtures/torch_step (see make_reference.py there): loss,
// every gradient, every updated parameter and the batch-norm running statistics.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "infer/loss.hpp"
#include "nn/network.hpp"
#include "spec/architecture.hpp"
#include "train/optimizer.hpp"

namespace {

struct Tensor {
  std::vector<int64_t> shape;
  std::vector<double> values;
};

// Lines `name ndim dim... value...`; '#' starts a comment line.
std::map<std::string, Tensor> load_fixture(const std::string& name) {
  const std::string path = std::string(KCELL_FIXTURES_DIR) + "/torch_step/" + name + ".txt";
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), "cannot open " << path);
  std::map<std::string, Tensor> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream s(line);
    std::string key;
    int ndim = 0;
    s >> key >> ndim;
    Tensor t;
    size_t count = 1;
    for (int d = 0; d < ndim; ++d) {
      int64_t dim = 0;
      s >> dim;
      t.shape.push_back(dim);
      count *= static_cast<size_t>(dim);
    }
    t.values.resize(count);
    for (double& v : t.values) s >> v;
    REQUIRE_MESSAGE(!s.fail(), "bad fixture line for " << key);
    out[key] = t;
  }
  return out;
}

const Tensor& get(const std::map<std::string, Tensor>& f, const std::string& key) {
  const auto it = f.find(key);
  REQUIRE_MESSAGE(it != f.end(), "fixture lacks " << key);
  return it->second;
}

double scalar(const std::map<std::string, Tensor>& f, const std::string& key) {
  return get(f, key).values.at(0);
}

std::vector<float> as_float(const Tensor& t) {
  return std::vector<float>(t.values.begin(), t.values.end());
}

// Within 1e-4 relative to the tensor's largest magnitude, element-wise relative error being
// meaningless for entries that are rounding noise around 0. The magnitude is floored at
// 1e-2 for tensors that are all noise: the conv bias before batch norm has a true gradient
// of exactly 0, which float32 gives as ±1e-7.
void check_tensor(const std::vector<float>& got, const Tensor& expected, const std::string& what) {
  REQUIRE_MESSAGE(got.size() == expected.values.size(), what);
  double scale = 0.0;
  for (double v : expected.values) scale = std::max(scale, std::abs(v));
  double worst = 0.0;
  for (size_t i = 0; i < got.size(); ++i)
    worst = std::max(worst, std::abs(got[i] - expected.values[i]));
  CHECK_MESSAGE(worst <= 1e-4 * std::max(scale, 1e-2),
                what << ": largest difference " << worst << " for magnitude " << scale);
}

void run_case(const std::string& name) {
  const auto f = load_fixture(name);
  const bool conv_bias = scalar(f, "config.conv_bias") != 0.0;
  const auto arch = kcell::spec::parse_architecture(
      conv_bias ? "conv(4,3) bn relu maxpool(2) flatten dense"
                : "conv(4,3,bias=false) bn relu maxpool(2) flatten dense");
  kcell::nn::Network net(arch, 1, 8, 8, 3, 1);

  std::vector<kcell::nn::Param*> params = net.params();
  std::vector<kcell::nn::Buffer*> buffers = net.buffers();
  REQUIRE(params.size() == (conv_bias ? 6u : 5u));
  REQUIRE(buffers.size() == 2u);
  for (size_t i = 0; i < params.size(); ++i) {
    const Tensor& t = get(f, "init.param." + std::to_string(i));
    REQUIRE_MESSAGE(params[i]->shape == t.shape, "shape of " << params[i]->name);
    params[i]->value = as_float(t);
  }
  for (size_t i = 0; i < buffers.size(); ++i) {
    const Tensor& t = get(f, "init.buffer." + std::to_string(i));
    REQUIRE(buffers[i]->value.size() == t.values.size());
    buffers[i]->value = as_float(t);
  }
  net.weights_changed();

  kcell::train::OptimizerConfig config;
  config.kind =
      static_cast<kcell::train::OptimizerKind>(static_cast<int>(scalar(f, "config.optimizer")));
  config.momentum = scalar(f, "config.momentum");
  config.nesterov = scalar(f, "config.nesterov") != 0.0;
  config.beta1 = scalar(f, "config.beta1");
  config.beta2 = scalar(f, "config.beta2");
  config.epsilon = scalar(f, "config.eps");
  config.weight_decay = scalar(f, "config.weight_decay");
  config.decay_bias_and_norm = scalar(f, "config.decay_all") != 0.0;
  auto optimizer = kcell::train::make_optimizer(config, params);
  const kcell::infer::SoftmaxCrossEntropy loss(3,
                                               {as_float(get(f, "config.class_weights")),
                                                static_cast<float>(scalar(f, "config.smoothing"))});
  const double lr = scalar(f, "config.lr");

  for (int step = 0; step < 2; ++step) {
    const std::string s = "step" + std::to_string(step);
    const std::vector<float> input = as_float(get(f, s + ".input"));
    std::vector<int32_t> labels;
    for (double v : get(f, s + ".labels").values) labels.push_back(static_cast<int32_t>(v));
    const float* logits = net.forward(input.data(), 4, true);
    check_tensor(std::vector<float>(logits, logits + 12), get(f, s + ".logits"), s + " logits");
    std::vector<float> dlogits(12);
    const double l = loss.compute(logits, labels.data(), 4, dlogits.data(), nullptr).loss;
    CHECK(l == doctest::Approx(scalar(f, s + ".loss")).epsilon(1e-4));
    net.backward(dlogits.data());
    for (size_t i = 0; i < params.size(); ++i)
      check_tensor(params[i]->grad, get(f, s + ".grad." + std::to_string(i)),
                   s + " gradient of " + params[i]->name);
    optimizer->step(lr);
    net.weights_changed();
    for (size_t i = 0; i < params.size(); ++i)
      check_tensor(params[i]->value, get(f, s + ".param." + std::to_string(i)),
                   s + " updated " + params[i]->name);
    for (size_t i = 0; i < buffers.size(); ++i)
      check_tensor(buffers[i]->value, get(f, s + ".buffer." + std::to_string(i)),
                   s + " " + buffers[i]->name);
  }
}

}  // namespace

TEST_CASE("two SGD steps with Nesterov momentum and weight decay match PyTorch") {
  run_case("sgd_nesterov");
}

TEST_CASE("two Adam steps with L2 decay, class weights and label smoothing match PyTorch") {
  run_case("adam_l2");
}

TEST_CASE("two AdamW steps decaying every parameter match PyTorch") { run_case("adamw_all"); }
