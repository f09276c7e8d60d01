// Every oneDNN implementation of each convolution of `resnet8` / `resnet10` (28×28), timed
// forward (training), backward data and backward weights, with the activations in
// oneDNN's chosen (blocked) layout and in channels-last (NHWC).
//
//   OMP_NUM_THREADS=2 kcell_bench_conv_impls [--batch 128] [--size 28] [--rounds 15]
//                                            [--type bf16|f32] [--layer NAME]
//
// One JSON line per (layer, direction, layout, implementation): median and range of
// milliseconds per run. The candidates of one layer and direction are timed in
// interleaved rounds (one run of each per round), so a machine whose speed drifts moves
// them together and their ratios stay comparable. "default": 1 marks the implementation
// oneDNN picks first for that layout, which kcell used before it measured the others.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "nn/dnnl_compat.hpp"
#include "nn/exec.hpp"

namespace compat = kcell::nn::compat;
using dnnl::memory;

namespace {

struct Options {
  int64_t batch = 128, size = 28;
  int rounds = 15;
  memory::data_type type = memory::data_type::bf16;
  std::string layer;  // empty: all
};

struct ConvShape {
  const char* name;
  int64_t in, out, kernel, stride, size;  // size: input height = width
};

// resnet10's convolutions at `size` (resnet8's are all but the last stage's three).
std::vector<ConvShape> shapes(int64_t size) {
  const int64_t s2 = (size - 1) / 2 + 1, s3 = (s2 - 1) / 2 + 1, s4 = (s3 - 1) / 2 + 1;
  (void)s4;
  return {{"stem 1->32 3x3", 1, 32, 3, 1, size},
          {"res32 32->32 3x3", 32, 32, 3, 1, size},
          {"res64.conv1 32->64 3x3 s2", 32, 64, 3, 2, size},
          {"res64.conv2 64->64 3x3", 64, 64, 3, 1, s2},
          {"res64.shortcut 32->64 1x1 s2", 32, 64, 1, 2, size},
          {"res128.conv1 64->128 3x3 s2", 64, 128, 3, 2, s2},
          {"res128.conv2 128->128 3x3", 128, 128, 3, 1, s3},
          {"res128.shortcut 64->128 1x1 s2", 64, 128, 1, 2, s2},
          {"res256.conv1 128->256 3x3 s2", 128, 256, 3, 2, s3},
          {"res256.conv2 256->256 3x3", 256, 256, 3, 1, s4},
          {"res256.shortcut 128->256 1x1 s2", 128, 256, 1, 2, s3}};
}

bool parse(int argc, char** argv, Options& o) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const char* v = argv[i + 1];
    if (flag == "--batch")
      o.batch = std::atoll(v);
    else if (flag == "--size")
      o.size = std::atoll(v);
    else if (flag == "--rounds")
      o.rounds = std::atoi(v);
    else if (flag == "--type" && std::strcmp(v, "f32") == 0)
      o.type = memory::data_type::f32;
    else if (flag == "--type" && std::strcmp(v, "bf16") == 0)
      o.type = memory::data_type::bf16;
    else if (flag == "--layer")
      o.layer = v;
    else
      return false;
  }
  return (argc % 2) == 1 && o.batch > 0 && o.size >= 8 && o.rounds > 0;
}

// Small ordinary values in every 16-bit half (bf16 or the high half of an f32): denormals
// or NaNs would distort the timing.
void fill(const memory& m) {
  auto* p = static_cast<uint16_t*>(m.get_data_handle());
  const size_t n = m.get_desc().get_size() / 2;
  uint32_t x = 12345;
  for (size_t i = 0; i < n; ++i) {
    x = x * 1664525u + 1013904223u;
    p[i] = static_cast<uint16_t>(0x3c00u + ((x >> 16) & 0x3ffu));
  }
}

memory make_filled(const memory::desc& md, const dnnl::engine& eng) {
  memory m(md, eng);
  fill(m);
  return m;
}

struct Candidate {
  std::string layout, impl, formats;
  bool is_default = false;
  kcell::nn::Exec exec;
  std::vector<double> ms;
};

// Candidates slower than 5x the fastest on a probe (best of two runs) (oneDNN's gemm fallbacks, up
// to 200x slower in bf16) are reported with that one run instead of being timed in rounds.
void time_all(std::vector<Candidate>& cands, int rounds, dnnl::stream& s) {
  double fastest = 1e30;
  for (auto& c : cands) {
    c.exec.run(s);  // JIT, caches, page faults
    s.wait();
    double probe = 1e30;  // the better of two runs: one can lose its time slice
    for (int i = 0; i < 2; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      c.exec.run(s);
      s.wait();
      probe = std::min(
          probe,
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    c.ms.push_back(probe);
    fastest = std::min(fastest, probe);
  }
  for (int r = 1; r < rounds; ++r) {
    for (auto& c : cands) {
      if (c.ms.front() > 5 * fastest) continue;
      const auto t0 = std::chrono::steady_clock::now();
      c.exec.run(s);
      s.wait();
      c.ms.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
  }
}

void report(const ConvShape& sh, const char* direction, std::vector<Candidate>& cands) {
  double best = 1e30;
  for (auto& c : cands) {
    std::sort(c.ms.begin(), c.ms.end());
    best = std::min(best, c.ms[c.ms.size() / 2]);
  }
  for (const auto& c : cands) {
    const double med = c.ms[c.ms.size() / 2];
    std::printf(
        "{\"layer\": \"%s\", \"direction\": \"%s\", \"layout\": \"%s\", \"impl\": \"%s\", "
        "\"default\": %d, \"median_ms\": %.3f, \"min_ms\": %.3f, \"max_ms\": %.3f, "
        "\"vs_best\": %.2f, \"src_format\": \"%s\"}\n",
        sh.name, direction, c.layout.c_str(), c.impl.c_str(), c.is_default ? 1 : 0, med,
        c.ms.front(), c.ms.back(), med / best, c.formats.c_str());
  }
  std::fflush(stdout);
}

void measure(const ConvShape& sh, const Options& o, const dnnl::engine& eng, dnnl::stream& s) {
  const int64_t pad = sh.kernel == 3 ? 1 : 0;
  const int64_t out_size = (sh.size + 2 * pad - sh.kernel) / sh.stride + 1;
  const memory::dims src_dims{o.batch, sh.in, sh.size, sh.size};
  const memory::dims dst_dims{o.batch, sh.out, out_size, out_size};
  const memory::dims wei_dims{sh.out, sh.in, sh.kernel, sh.kernel};
  const memory::dims strides{sh.stride, sh.stride}, pads{pad, pad};
  const auto t = o.type;

  std::vector<Candidate> fwd, bwd_w, bwd_d;
  for (const char* layout : {"blocked", "nhwc"}) {
    const bool nhwc = std::strcmp(layout, "nhwc") == 0;
    const memory::desc src_md =
        nhwc ? compat::channels_last_md(src_dims, t) : compat::any_md(src_dims, t);
    const memory::desc dst_md =
        nhwc ? compat::channels_last_md(dst_dims, t) : compat::any_md(dst_dims, t);
    std::vector<dnnl::convolution_forward::primitive_desc> fwd_pds;
    try {
      fwd_pds = compat::conv_fwd_implementations(eng, dnnl::prop_kind::forward_training, src_md,
                                                 compat::any_md(wei_dims, t), memory::desc(),
                                                 dst_md, strides, pads, pads);
    } catch (const dnnl::error&) {
      continue;
    }
    const auto& hint = fwd_pds.front();
    bool first = true;
    for (const auto& pd : fwd_pds) {
      Candidate c{layout, pd.impl_info_str(), compat::layout_name(pd.src_desc()), first, {}, {}};
      first = false;
      c.exec = kcell::nn::Exec(dnnl::convolution_forward(pd),
                               {{DNNL_ARG_SRC, make_filled(pd.src_desc(), eng)},
                                {DNNL_ARG_WEIGHTS, make_filled(pd.weights_desc(), eng)},
                                {DNNL_ARG_DST, memory(pd.dst_desc(), eng)}});
      fwd.push_back(std::move(c));
    }
    first = true;
    for (const auto& pd : compat::conv_bwd_weights_implementations(
             eng, src_md, compat::any_md(wei_dims), memory::desc(), dst_md, strides, pads, pads,
             hint)) {
      Candidate c{layout, pd.impl_info_str(), compat::layout_name(pd.src_desc()), first, {}, {}};
      first = false;
      c.exec = kcell::nn::Exec(dnnl::convolution_backward_weights(pd),
                               {{DNNL_ARG_SRC, make_filled(pd.src_desc(), eng)},
                                {DNNL_ARG_DIFF_DST, make_filled(pd.diff_dst_desc(), eng)},
                                {DNNL_ARG_DIFF_WEIGHTS, memory(pd.diff_weights_desc(), eng)}});
      bwd_w.push_back(std::move(c));
    }
    if (sh.in == 1) continue;  // the stem has no input gradient
    first = true;
    for (const auto& pd : compat::conv_bwd_data_implementations(
             eng, src_md, compat::any_md(wei_dims, t), dst_md, strides, pads, pads, hint)) {
      Candidate c{layout, pd.impl_info_str(), compat::layout_name(pd.diff_src_desc()), first, {},
                  {}};
      first = false;
      c.exec = kcell::nn::Exec(dnnl::convolution_backward_data(pd),
                               {{DNNL_ARG_DIFF_DST, make_filled(pd.diff_dst_desc(), eng)},
                                {DNNL_ARG_WEIGHTS, make_filled(pd.weights_desc(), eng)},
                                {DNNL_ARG_DIFF_SRC, memory(pd.diff_src_desc(), eng)}});
      bwd_d.push_back(std::move(c));
    }
  }
  // Reference implementations take tens of seconds per run on these shapes: left out.
  for (auto* list : {&fwd, &bwd_w, &bwd_d}) {
    list->erase(std::remove_if(list->begin(), list->end(),
                               [](const Candidate& c) { return c.impl.rfind("ref", 0) == 0; }),
                list->end());
  }
  const std::pair<const char*, std::vector<Candidate>*> directions[] = {
      {"forward", &fwd}, {"backward_data", &bwd_d}, {"backward_weights", &bwd_w}};
  for (const auto& [name, list] : directions) {
    if (list->empty()) continue;
    time_all(*list, o.rounds, s);
    report(sh, name, *list);
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse(argc, argv, o)) {
    std::fprintf(stderr,
                 "usage: %s [--batch N] [--size S] [--rounds R] [--type bf16|f32] "
                 "[--layer NAME-PREFIX]\n",
                 argv[0]);
    return 2;
  }
  if (o.type == memory::data_type::bf16 && !compat::cpu_has_bf16()) {
    std::fprintf(stderr, "no native bf16 on this CPU (oneDNN sees %s)\n",
                 compat::effective_isa_name());
    return 0;
  }
  try {
    dnnl::engine eng(dnnl::engine::kind::cpu, 0);
    dnnl::stream s(eng);
    for (const ConvShape& sh : shapes(o.size)) {
      if (!o.layer.empty() && std::string(sh.name).rfind(o.layer, 0) != 0) continue;
      measure(sh, o, eng, s);
    }
  } catch (const dnnl::error& e) {
    std::fprintf(stderr, "oneDNN error: %s\n", e.what());
    return 1;
  }
  std::printf("{\"threads\": %d}\n", omp_get_max_threads());
  return 0;
}
