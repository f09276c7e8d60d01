// What keeps training memory down: one training plan at a time, gradients written in place
// where nothing reads them again (but never over the caller's dlogits), dead gradients'
// buffers reused, and one scratchpad per plan.
#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include "nn/exec.hpp"
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

namespace {

// After one training step of `blocks` identical residual blocks of 16 channels on 8x8
// images: (activation-gradient bytes, scratchpad bytes) of the training plan.
std::pair<size_t, size_t> training_buffers(int blocks) {
  std::string spec = "conv(16,3) bn relu";
  for (int i = 0; i < blocks; ++i) spec += " res(16)";
  Network net(kcell::spec::parse_architecture(spec + " gap dense"), 1, 8, 8, 4, 31);
  const std::vector<float> x = random_vector(4 * 64, 32);
  net.forward(x.data(), 4, true);
  const std::vector<float> r = random_vector(4 * 4, 33);
  net.backward(r.data());
  return {net.training_gradient_bytes(), net.training_scratchpad_bytes()};
}

}  // namespace

TEST_CASE("a training plan reuses dead activation gradients: more blocks, no more of them") {
  const auto two = training_buffers(2), six = training_buffers(6);
  CHECK(two.first > 0);
  CHECK(six.first == two.first);
}

TEST_CASE("a plan's primitives share one scratchpad: the largest, not the sum") {
  const auto two = training_buffers(2), six = training_buffers(6);
  CHECK(six.second == two.second);

  // Growing it moves the memories handed out before onto the larger buffer.
  const dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  kcell::nn::SharedScratchpad shared(eng);
  const auto bytes = [](dnnl::memory::dim n) {
    return dnnl::memory::desc({n}, dnnl::memory::data_type::u8, dnnl::memory::format_tag::a);
  };
  const dnnl::memory small = shared.bind(bytes(1000));
  const dnnl::memory large = shared.bind(bytes(5000));
  const dnnl::memory medium = shared.bind(bytes(3000));
  CHECK(shared.bytes() == 5000);
  CHECK(small.get_data_handle() == large.get_data_handle());
  CHECK(medium.get_data_handle() == large.get_data_handle());
}

TEST_CASE("a gradient buffer is handed out again only once it is taken back") {
  const dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  kcell::nn::GradientPool pool(eng);
  const dnnl::memory::desc md({2, 8}, dnnl::memory::data_type::f32, dnnl::memory::format_tag::ab);
  const dnnl::memory a = pool.give(md), b = pool.give(md);
  CHECK(a.get_data_handle() != b.get_data_handle());
  pool.take_back(a);
  const dnnl::memory c = pool.give(md);
  CHECK(c.get_data_handle() == a.get_data_handle());
  CHECK(pool.bytes() == 2 * md.get_size());
}
