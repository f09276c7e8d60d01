// Optimisers: three steps on fixed gradients give PyTorch's numbers; settings are checked.
#include <doctest/doctest.h>

#include <vector>

#include "common/error.hpp"
#include "train/optimizer.hpp"

using kcell::nn::Param;
using kcell::train::OptimizerConfig;
using kcell::train::OptimizerKind;

namespace {

struct Result {
  std::vector<float> weight, bias;
};

// A weight [0.5, -1, 2] and a bias [0.1, -0.2] stepped three times with fixed gradients,
// the same as tests' reference script (torch 1.13, param groups exempting the bias from
// decay unless decay_bias_and_norm):
//   w.grad = [.3,-.2,.05], [.1,.4,-.3], [-.25,.15,.2];  b.grad = [.02,-.5], [.3,.1], [-.1,.05]
Result run(const OptimizerConfig& config, double lr) {
  Param w{"w", {3}, {0.5f, -1.0f, 2.0f}, std::vector<float>(3), true};
  Param b{"b", {2}, {0.1f, -0.2f}, std::vector<float>(2), false};
  const std::vector<std::vector<float>> gw = {
      {0.3f, -0.2f, 0.05f}, {0.1f, 0.4f, -0.3f}, {-0.25f, 0.15f, 0.2f}};
  const std::vector<std::vector<float>> gb = {{0.02f, -0.5f}, {0.3f, 0.1f}, {-0.1f, 0.05f}};
  auto optimizer = kcell::train::make_optimizer(config, {&w, &b});
  for (size_t s = 0; s < 3; ++s) {
    w.grad = gw[s];
    b.grad = gb[s];
    optimizer->step(lr);
  }
  return {w.value, b.value};
}

void check_close(const std::vector<float>& got, const std::vector<double>& expected) {
  REQUIRE(got.size() == expected.size());
  for (size_t i = 0; i < got.size(); ++i)
    CHECK(got[i] == doctest::Approx(expected[i]).epsilon(2e-6));
}

OptimizerConfig sgd(double momentum, bool nesterov, double decay, bool all) {
  OptimizerConfig c;
  c.kind = OptimizerKind::sgd;
  c.momentum = momentum;
  c.nesterov = nesterov;
  c.weight_decay = decay;
  c.decay_bias_and_norm = all;
  return c;
}

OptimizerConfig adam(OptimizerKind kind, double decay, bool all) {
  OptimizerConfig c;
  c.kind = kind;
  c.weight_decay = decay;
  c.decay_bias_and_norm = all;
  return c;
}

}  // namespace

TEST_CASE("one plain SGD step is p - lr * grad") {
  Param p{"p", {2}, {1.f, -2.f}, {0.5f, 0.25f}, true};
  kcell::train::make_optimizer(sgd(0.0, false, 0.0, false), {&p})->step(0.1);
  CHECK(p.value[0] == doctest::Approx(0.95));
  CHECK(p.value[1] == doctest::Approx(-2.025));
}

TEST_CASE("SGD with weight decay on weights only matches torch.optim.SGD") {
  const Result r = run(sgd(0.0, false, 0.01, false), 0.1);
  check_close(r.weight, {0.48357147, -1.03200293, 1.99898601});
  check_close(r.bias, {0.0780000016, -0.165000007});
}

TEST_CASE("SGD with momentum matches torch.optim.SGD") {
  const Result r = run(sgd(0.9, false, 0.01, false), 0.1);
  check_close(r.weight, {0.422021389, -1.03123069, 2.01222873});
  check_close(r.bias, {0.04758, -0.088500008});
}

TEST_CASE("SGD with Nesterov momentum matches torch.optim.SGD") {
  const Result r = run(sgd(0.9, true, 0.01, false), 0.1);
  check_close(r.weight, {0.413557291, -1.06014633, 2.00997806});
  check_close(r.bias, {0.0308220014, -0.0646500066});
}

TEST_CASE("SGD decays biases too when decay_bias_and_norm is set") {
  const Result r = run(sgd(0.5, false, 0.05, true), 0.1);
  check_close(r.weight, {0.447424203, -1.01894939, 1.97387469});
  check_close(r.bias, {0.0595649406, -0.128968731});
}

TEST_CASE("Adam with L2 weight decay matches torch.optim.Adam") {
  const Result r = run(adam(OptimizerKind::adam, 0.01, false), 0.1);
  check_close(r.weight, {0.297790349, -0.978140771, 1.95191216});
  check_close(r.bias, {-0.116260275, -0.0158241168});
}

TEST_CASE("Adam with other betas and epsilon matches torch.optim.Adam") {
  OptimizerConfig c = adam(OptimizerKind::adam, 0.01, false);
  c.beta1 = 0.8;
  c.beta2 = 0.99;
  c.epsilon = 1e-6;
  const Result r = run(c, 0.05);
  check_close(r.weight, {0.404572278, -0.993993104, 1.97651589});
  check_close(r.bias, {-0.00828979909, -0.113608956});
}

TEST_CASE("AdamW decouples weight decay as torch.optim.AdamW") {
  const Result r = run(adam(OptimizerKind::adamw, 0.1, false), 0.1);
  check_close(r.weight, {0.287743509, -0.955687702, 1.90953493});
  // The bias is exempt, so it moves exactly as under Adam without decay.
  check_close(r.bias, {-0.116260275, -0.0158241168});
  const Result all = run(adam(OptimizerKind::adamw, 0.1, true), 0.1);
  check_close(all.bias, {-0.11645335, -0.0123849437});
}

TEST_CASE("optimizer settings out of range are rejected with invalid_argument") {
  Param p{"p", {1}, {1.f}, {0.f}, true};
  auto status_of = [&](const OptimizerConfig& c) {
    try {
      kcell::train::make_optimizer(c, {&p});
    } catch (const kcell::Error& e) {
      return e.status();
    }
    return kcell::Status::ok;
  };
  using kcell::Status;
  CHECK(status_of(sgd(0.9, true, 0.0, false)) == Status::ok);
  CHECK(status_of(sgd(0.0, true, 0.0, false)) == Status::invalid_argument);
  CHECK(status_of(sgd(1.0, false, 0.0, false)) == Status::invalid_argument);
  CHECK(status_of(sgd(0.9, false, -1.0, false)) == Status::invalid_argument);
  OptimizerConfig c = adam(OptimizerKind::adam, 0.0, false);
  c.beta2 = 1.0;
  CHECK(status_of(c) == Status::invalid_argument);
  c = adam(OptimizerKind::adamw, 0.0, false);
  c.epsilon = 0.0;
  CHECK(status_of(c) == Status::invalid_argument);
  c.epsilon = 1e-8;
  c.kind = static_cast<OptimizerKind>(7);
  CHECK(status_of(c) == Status::invalid_argument);
}
