// The compute ceiling the training numbers are compared with: oneDNN's own throughput on a
// large 3x3 direct convolution (forward, blocked layouts it picks itself), in the same run
// and thread count as the benchmarks. No kcell code is timed here.
//
//   OMP_NUM_THREADS=2 kcell_bench_conv_ceiling [--batch 32] [--channels 256] [--size 28]
//                                             [--reps 20] [--bf16] [--winograd]
//
// Prints one JSON line: the shape, FLOPs per run (2 per multiply-add), best and median
// GFLOP/s over the timed runs. --bf16 times bf16 inputs and weights (fp32 accumulation)
// where the CPU has AVX-512 BF16, and reports "supported": false where it does not.
// --winograd times oneDNN's Winograd algorithm instead, which does fewer multiplications:
// its GFLOP/s count a direct convolution's FLOPs, so they can pass the CPU's FMA rate.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "nn/dnnl_compat.hpp"
#include "nn/exec.hpp"

namespace compat = kcell::nn::compat;
using dnnl::memory;

namespace {

struct Options {
  int64_t batch = 32, channels = 256, size = 28;
  int reps = 20;
  bool bf16 = false;
  bool winograd = false;
};

bool parse(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--bf16") {
      o.bf16 = true;
      continue;
    }
    if (flag == "--winograd") {
      o.winograd = true;
      continue;
    }
    if (i + 1 >= argc) return false;
    const long value = std::atol(argv[++i]);
    if (value <= 0) return false;
    if (flag == "--batch")
      o.batch = value;
    else if (flag == "--channels")
      o.channels = value;
    else if (flag == "--size")
      o.size = value;
    else if (flag == "--reps")
      o.reps = static_cast<int>(value);
    else
      return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse(argc, argv, o)) {
    std::fprintf(stderr,
                 "usage: %s [--batch N] [--channels C] [--size S] [--reps R] [--bf16] "
                 "[--winograd]\n",
                 argv[0]);
    return 2;
  }
  const memory::data_type type = o.bf16 ? memory::data_type::bf16 : memory::data_type::f32;
  const bool supported = !o.bf16 || compat::cpu_has_bf16();
  std::printf(
      "{\"what\": \"conv_ceiling\", \"type\": \"%s\", \"algorithm\": \"%s\", "
      "\"supported\": %s, "
      "\"shape\": \"%lldx%lldx%lldx%lld, 3x3, pad 1, %lld out\", \"threads\": %d",
      o.bf16 ? "bf16" : "f32", o.winograd ? "winograd" : "direct", supported ? "true" : "false",
      static_cast<long long>(o.batch), static_cast<long long>(o.channels),
      static_cast<long long>(o.size), static_cast<long long>(o.size),
      static_cast<long long>(o.channels), omp_get_max_threads());
  if (!supported) {
    std::printf("}\n");
    return 0;
  }
  try {
    dnnl::engine eng(dnnl::engine::kind::cpu, 0);
    dnnl::stream s(eng);
    const memory::dims src_dims{o.batch, o.channels, o.size, o.size};
    const memory::dims wei_dims{o.channels, o.channels, 3, 3};
    const auto pd = compat::make_conv_fwd_pd(
        eng, dnnl::prop_kind::forward_inference, compat::any_md(src_dims, type),
        compat::any_md(wei_dims, type), memory::desc(), compat::any_md(src_dims, type), {1, 1},
        {1, 1}, {1, 1},
        o.winograd ? compat::ConvAlgorithm::winograd : compat::ConvAlgorithm::direct);
    memory src(pd.src_desc(), eng), wei(pd.weights_desc(), eng), dst(pd.dst_desc(), eng);
    // Small non-zero values: denormals or NaNs would distort the timing.
    for (memory* m : {&src, &wei}) {
      auto* bytes = static_cast<unsigned char*>(m->get_data_handle());
      const size_t size = m->get_desc().get_size();
      for (size_t i = 0; i < size; ++i) bytes[i] = (i % 4 == (o.bf16 ? 1u : 3u)) ? 0x3c : 0x11;
    }
    // Exec gives the primitive its scratchpad (kcell creates them in user mode).
    const kcell::nn::Exec conv(dnnl::convolution_forward(pd),
                               {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wei}, {DNNL_ARG_DST, dst}});
    auto run = [&] {
      conv.run(s);
      s.wait();
    };
    for (int i = 0; i < 3; ++i) run();  // JIT, caches, page faults
    std::vector<double> seconds;
    for (int i = 0; i < o.reps; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      run();
      seconds.push_back(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(seconds.begin(), seconds.end());
    const double flops =
        2.0 * static_cast<double>(o.batch * o.channels * o.channels * 9 * o.size * o.size);
    std::printf(
        ", \"flops_per_run\": %.0f, \"best_gflops\": %.1f, \"median_gflops\": %.1f, "
        "\"implementation\": \"%s\"}\n",
        flops, flops / seconds.front() / 1e9, flops / seconds[seconds.size() / 2] / 1e9,
        pd.impl_info_str());
  } catch (const dnnl::error& e) {
    std::printf("}\n");
    std::fprintf(stderr, "oneDNN error: %s\n", e.what());
    return 1;
  }
  return 0;
}
