// The exponential moving average of the weights: its decay warm-up, its update over
// parameters and batch-norm statistics against a hand computation, and the swap in and out
// of the network.
#include <doctest/doctest.h>

#include <cstring>
#include <vector>

#include "common/error.hpp"
#include "nn/network.hpp"
#include "spec/architecture.hpp"
#include "train/weight_average.hpp"

using kcell::nn::Network;
using kcell::train::average_decay_at;
using kcell::train::WeightAverage;

namespace {

// conv, batch norm (with running statistics) and dense: every kind of tensor.
Network tiny_network() {
  return Network(kcell::spec::parse_architecture("conv(2,1) bn flatten dense"), 1, 2, 2, 2, 3);
}

// Every parameter and buffer value set to `v`.
void set_all(Network& net, float v) {
  for (kcell::nn::Param* p : net.params()) p->value.assign(p->value.size(), v);
  for (kcell::nn::Buffer* b : net.buffers()) b->value.assign(b->value.size(), v);
  net.weights_changed();
}

// Every parameter and buffer value, flat.
std::vector<float> all_values(Network& net) {
  std::vector<float> out;
  for (const kcell::nn::Param* p : net.params())
    out.insert(out.end(), p->value.begin(), p->value.end());
  for (const kcell::nn::Buffer* b : net.buffers())
    out.insert(out.end(), b->value.begin(), b->value.end());
  return out;
}

}  // namespace

TEST_CASE("the average's decay warms up as (1 + t) / (10 + t) until it reaches the setting") {
  CHECK(average_decay_at(0.999, 0) == doctest::Approx(0.1));
  CHECK(average_decay_at(0.999, 1) == doctest::Approx(2.0 / 11.0));
  CHECK(average_decay_at(0.999, 1000) == doctest::Approx(1001.0 / 1010.0));
  CHECK(average_decay_at(0.5, 5) == doctest::Approx(0.4));  // 6/15 is below the setting
  CHECK(average_decay_at(0.5, 100) == 0.5);
}

TEST_CASE("the average follows parameters and batch-norm statistics as computed by hand") {
  Network net = tiny_network();
  REQUIRE(!net.buffers().empty());
  set_all(net, 1.f);
  WeightAverage average(net, 0.15);
  set_all(net, 3.f);
  average.update();  // d = min(0.15, 1/10) = 0.1: 0.1 * 1 + 0.9 * 3 = 2.8
  set_all(net, 5.f);
  average.update();  // d = min(0.15, 2/11) = 0.15: 0.15 * 2.8 + 0.85 * 5 = 4.67
  CHECK(average.steps() == 2);
  const kcell::train::WeightSnapshot s = average.snapshot();
  REQUIRE(s.params().size() == net.params().size());
  REQUIRE(s.buffers().size() == net.buffers().size());
  for (const auto* tensors : {&s.params(), &s.buffers()})
    for (const std::vector<float>& t : *tensors)
      for (float v : t) CHECK(v == doctest::Approx(4.67).epsilon(1e-6));
  // The network kept its own weights.
  for (float v : all_values(net)) CHECK(v == 5.f);
}

TEST_CASE("swapping puts the average into the network and a second swap takes it out") {
  Network net = tiny_network();
  const std::vector<float> start = all_values(net);
  WeightAverage average(net, 0.5);
  set_all(net, 2.f);
  const uint64_t version = net.weights_version();
  average.swap();
  CHECK(average.swapped());
  CHECK(net.weights_version() != version);  // the network knows its weights changed
  CHECK(all_values(net) == start);          // no update yet: the starting weights
  CHECK_THROWS_AS(average.update(), kcell::Error);
  average.swap();
  CHECK(!average.swapped());
  for (float v : all_values(net)) CHECK(v == 2.f);
  {
    const kcell::train::AverageInNetwork in(&average);
    CHECK(all_values(net) == start);
  }
  for (float v : all_values(net)) CHECK(v == 2.f);
}

TEST_CASE("a restored average continues exactly as the one it was taken from") {
  Network net = tiny_network();
  WeightAverage a(net, 0.9);
  set_all(net, 0.5f);
  a.update();
  WeightAverage b(net, 0.9);
  b.restore(a.snapshot(), a.steps());
  set_all(net, -1.f);
  a.update();
  b.update();
  CHECK(b.steps() == 2);
  const kcell::train::WeightSnapshot x = a.snapshot(), y = b.snapshot();
  CHECK(x.params() == y.params());
  CHECK(x.buffers() == y.buffers());
  CHECK_THROWS_AS(WeightAverage(net, 1.0), kcell::Error);
  CHECK_THROWS_AS(WeightAverage(net, 0.0), kcell::Error);
}
