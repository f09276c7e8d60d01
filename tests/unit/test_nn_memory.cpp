// What keeps training memory down: one training plan at a time, and gradients written in
// place where nothing reads them again, but never over the caller's dlogits.
#include <doctest/doctest.h>

#include <vector>

#include "nn/network.hpp"
#include "spec/architecture.hpp"
#include "test_nn_support.hpp"

using kcell::nn::Network;
using kcell::nn::test::random_vector;

namespace {

Network make(const char* spec) {
  return Network(kcell::spec::parse_architecture(spec), 1, 6, 6, 4, 21);
}

std::vector<std::vector<float>> gradients(Network& net) {
  std::vector<std::vector<float>> out;
  for (const kcell::nn::Param* p : net.params()) out.push_back(p->grad);
  return out;
}

}  // namespace

TEST_CASE("a new training batch size replaces the cached training plan") {
  Network net = make("conv(4,3) bn relu maxpool(2) flatten dense");
  const std::vector<float> x = random_vector(5 * 36, 22);
  net.forward(x.data(), 5, false);
  net.forward(x.data(), 5, true);
  CHECK(net.cached_plans() == 2);
  net.forward(x.data(), 3, true);  // a last partial batch
  CHECK(net.cached_plans() == 2);  // the inference plan and the batch-3 training plan
  net.forward(x.data(), 5, true);
  CHECK(net.cached_plans() == 2);
  const std::vector<float> r = random_vector(5 * 4, 23);
  net.backward(r.data());  // the rebuilt batch-5 plan trains as before
  const auto first = gradients(net);
  net.forward(x.data(), 3, true);
  net.forward(x.data(), 5, true);
  net.backward(r.data());
  CHECK(gradients(net) == first);
}

TEST_CASE("layers that write gradients in place never overwrite the caller's dlogits") {
  // Each ends in a layer whose backward can run in place: relu, batch norm, dropout.
  for (const char* spec : {"conv(4,3) flatten dense relu", "conv(4,3) flatten dense bn",
                           "conv(4,3) flatten dense dropout(0.5)"}) {
    INFO(spec);
    Network net = make(spec);
    const std::vector<float> x = random_vector(3 * 36, 24);
    const std::vector<float> dlogits = random_vector(3 * 4, 25);
    std::vector<float> given = dlogits;
    net.forward(x.data(), 3, true);
    net.backward(given.data());
    CHECK(given == dlogits);
    // A repeated step gives the same gradients (dropout repeats its mask after the same
    // reseed): nothing the backward pass reads was overwritten by the previous one.
    net.set_dropout_seed(1);
    net.forward(x.data(), 3, true);
    net.backward(given.data());
    const auto second = gradients(net);
    net.set_dropout_seed(1);
    net.forward(x.data(), 3, true);
    net.backward(given.data());
    CHECK(gradients(net) == second);
  }
}
