// Which convolution algorithm nn/dnnl_compat picks: Winograd for f32 3×3 stride-1
// convolutions of 16 to 128 channels (to 512 on maps of 8×8 and more) with at least one
// image per thread (forward and backward data) on CPUs where oneDNN has Winograd (2.6:
// AVX-512), direct everywhere else; and both give the same numbers to float rounding.
#include <doctest/doctest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "nn/dnnl_compat.hpp"
#include "nn/exec.hpp"
#include "test_nn_support.hpp"

namespace compat = kcell::nn::compat;
using dnnl::memory;
using dnnl::prop_kind;

namespace {

struct Conv {
  int64_t n, in, out, size, kernel, stride;
  memory::data_type type = memory::data_type::f32;
};

dnnl::convolution_forward::primitive_desc forward(
    const dnnl::engine& eng, const Conv& c, prop_kind prop = prop_kind::forward_training,
    compat::ConvAlgorithm choice = compat::ConvAlgorithm::fastest) {
  const int64_t out_size = (c.size + 2 * (c.kernel / 2) - c.kernel) / c.stride + 1;
  const memory::dims pad = {c.kernel / 2, c.kernel / 2};
  return compat::make_conv_fwd_pd(eng, prop, compat::any_md({c.n, c.in, c.size, c.size}, c.type),
                                  compat::any_md({c.out, c.in, c.kernel, c.kernel}, c.type),
                                  memory::desc(),
                                  compat::any_md({c.n, c.out, out_size, out_size}, c.type),
                                  {c.stride, c.stride}, pad, pad, choice);
}

bool winograd(const char* impl) { return std::string(impl).find("wino") != std::string::npos; }

// Runs the thread count the test needs and restores the previous one.
struct Threads {
  explicit Threads(int n) : before(omp_get_max_threads()) { omp_set_num_threads(n); }
  ~Threads() { omp_set_num_threads(before); }
  int before;
};

}  // namespace

TEST_CASE(
    "3x3 stride-1 f32 convolutions of 16 to 128 channels (512 from 8x8) run Winograd forward and "
    "backward data where the CPU has it") {
  Threads two(2);
  const bool has = compat::cpu_has_winograd();
  INFO("oneDNN runs on " << compat::effective_isa_name());
  dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  for (const Conv& c :
       {Conv{8, 32, 32, 28, 3, 1}, Conv{2, 16, 64, 14, 3, 1}, Conv{128, 64, 64, 14, 3, 1},
        Conv{4, 128, 128, 7, 3, 1}, Conv{2, 256, 256, 16, 3, 1}, Conv{2, 512, 512, 8, 3, 1}}) {
    CAPTURE(c.n);
    CAPTURE(c.in);
    const auto fwd = forward(eng, c);
    CHECK(winograd(fwd.impl_info_str()) == has);
    CHECK(winograd(forward(eng, c, prop_kind::forward_inference).impl_info_str()) == has);
    const auto data = compat::make_conv_bwd_data_pd(
        eng, fwd.src_desc(), compat::any_md(compat::md_dims(fwd.weights_desc())), fwd.dst_desc(),
        {1, 1}, {1, 1}, {1, 1}, fwd);
    CHECK(winograd(data.impl_info_str()) == has);
    // Backward weights is not faster with Winograd here: direct.
    const auto weights = compat::make_conv_bwd_weights_pd(
        eng, fwd.src_desc(), compat::any_md(compat::md_dims(fwd.weights_desc())), memory::desc(),
        fwd.dst_desc(), {1, 1}, {1, 1}, {1, 1}, fwd);
    CHECK_FALSE(winograd(weights.impl_info_str()));
  }
}

TEST_CASE("convolutions outside Winograd's range run direct") {
  Threads two(2);
  dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  const std::vector<Conv> direct = {
      {8, 1, 32, 28, 3, 1},                           // one input channel
      {8, 32, 8, 28, 3, 1},                           // few output channels
      {8, 256, 256, 7, 3, 1},                         // many channels on a small map: no gain
      {8, 128, 256, 4, 3, 1}, {8, 32, 64, 28, 3, 2},  // strided
      {8, 32, 64, 28, 1, 1},                          // 1x1
      {1, 32, 32, 28, 3, 1},                          // fewer images than threads
  };
  for (const Conv& c : direct) {
    CAPTURE(c.n);
    CAPTURE(c.in);
    CAPTURE(c.out);
    CAPTURE(c.kernel);
    CAPTURE(c.stride);
    CHECK_FALSE(winograd(forward(eng, c).impl_info_str()));
  }
  if (compat::cpu_has_bf16()) {
    Conv bf16{8, 32, 32, 28, 3, 1, memory::data_type::bf16};
    CHECK_FALSE(winograd(forward(eng, bf16).impl_info_str()));
  }
  Threads one(1);
  CHECK(winograd(forward(eng, Conv{1, 32, 32, 28, 3, 1}).impl_info_str()) ==
        compat::cpu_has_winograd());
}

TEST_CASE("asking for Winograd where the CPU has none is an error, not a silent direct") {
  if (compat::cpu_has_winograd()) return;  // the next test runs Winograd itself
  dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  CHECK_THROWS_AS(forward(eng, Conv{4, 32, 32, 12, 3, 1}, prop_kind::forward_inference,
                          compat::ConvAlgorithm::winograd),
                  dnnl::error);
}

TEST_CASE("Winograd and direct convolutions agree to float rounding") {
  if (!compat::cpu_has_winograd()) {
    MESSAGE("no Winograd convolution on " << compat::effective_isa_name()
                                          << ": nothing to compare");
    return;
  }
  dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(eng);
  const Conv c{4, 32, 32, 12, 3, 1};
  const memory::desc src_plain = compat::plain_md({c.n, c.in, c.size, c.size});
  const memory::desc wei_plain = compat::plain_md({c.out, c.in, 3, 3});
  std::vector<float> src =
      kcell::nn::test::random_vector(static_cast<size_t>(c.n * c.in * c.size * c.size), 5);
  std::vector<float> wei =
      kcell::nn::test::random_vector(static_cast<size_t>(c.out * c.in * 9), 6, -0.1, 0.1);
  std::vector<std::vector<float>> results;
  for (auto choice : {compat::ConvAlgorithm::direct, compat::ConvAlgorithm::winograd}) {
    const auto pd = forward(eng, c, prop_kind::forward_inference, choice);
    CHECK(winograd(pd.impl_info_str()) == (choice == compat::ConvAlgorithm::winograd));
    // Plain values in, converted to the layouts the primitive chose, and plain out.
    const auto convert = [&](memory from, memory to) {  // handles: copies share memory
      dnnl::reorder(from, to).execute(stream, from, to);
    };
    memory s(pd.src_desc(), eng), w(pd.weights_desc(), eng), d(pd.dst_desc(), eng);
    convert(memory(src_plain, eng, src.data()), s);
    convert(memory(wei_plain, eng, wei.data()), w);
    // Through Exec, which gives the primitive the scratchpad it asks for (user mode).
    kcell::nn::Exec(dnnl::convolution_forward(pd),
                    {{DNNL_ARG_SRC, s}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_DST, d}})
        .run(stream);
    std::vector<float> out(static_cast<size_t>(c.n * c.out * c.size * c.size));
    convert(d, memory(compat::plain_md({c.n, c.out, c.size, c.size}), eng, out.data()));
    stream.wait();
    results.push_back(out);
  }
  double worst = 0;
  for (size_t i = 0; i < results[0].size(); ++i)
    worst = std::max(worst, static_cast<double>(std::fabs(results[0][i] - results[1][i])));
  // Outputs are sums of 288 products of about 0.5 × 0.05: direct's rounding is about
  // 1e-6; Winograd's transforms add a few times that.
  INFO("largest difference " << worst);
  CHECK(worst < 1e-4);
  CHECK(worst > 0.0);  // really two different algorithms
}
