// Training throughput of the `reference` CNN on the nn layer alone (no data pipeline,
// loss or optimiser): forward(training) + backward + weights_changed per batch.
//
//   OMP_NUM_THREADS=2 kcell_bench_nn_throughput [batch=128] [steps=30]
//
// Prints images/s (median and best batch) for training steps and inference forwards.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "common/rng.hpp"
#include "nn/network.hpp"
#include "spec/architecture.hpp"

using kcell::spec::Architecture;
using kcell::spec::LayerKind;
using kcell::spec::LayerSpec;

namespace {

LayerSpec spec(LayerKind kind, int out = 0, int kernel = 0, float rate = 0.f) {
  LayerSpec s;
  s.kind = kind;
  s.out = out;
  s.kernel = kernel;
  s.rate = rate;
  if (kind == LayerKind::max_pool) {
    s.stride = kernel;
    s.pad = 0;
  }
  return s;
}

// conv(32,3) bn relu conv(32,3) bn relu maxpool(2) dropout(0.25) conv(64,3) bn relu
// conv(64,3) bn relu maxpool(2) dropout(0.25) flatten dense(256) relu dropout(0.5) dense
Architecture reference() {
  using K = LayerKind;
  Architecture a;
  a.text = "reference";
  a.layers = {spec(K::conv, 32, 3),    spec(K::batch_norm),
              spec(K::relu),           spec(K::conv, 32, 3),
              spec(K::batch_norm),     spec(K::relu),
              spec(K::max_pool, 0, 2), spec(K::dropout, 0, 0, 0.25f),
              spec(K::conv, 64, 3),    spec(K::batch_norm),
              spec(K::relu),           spec(K::conv, 64, 3),
              spec(K::batch_norm),     spec(K::relu),
              spec(K::max_pool, 0, 2), spec(K::dropout, 0, 0, 0.25f),
              spec(K::flatten),        spec(K::dense, 256),
              spec(K::relu),           spec(K::dropout, 0, 0, 0.5f),
              spec(K::dense)};
  return a;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void report(const char* what, std::vector<double> ms, int batch) {
  std::sort(ms.begin(), ms.end());
  const double median = ms[ms.size() / 2], best = ms.front();
  std::printf("%s: median %8.1f images/s (%.2f ms/batch), best %8.1f images/s\n", what,
              batch / median * 1e3, median, batch / best * 1e3);
}

}  // namespace

int main(int argc, char** argv) {
  const int batch = argc > 1 ? std::atoi(argv[1]) : 128;
  const int steps = argc > 2 ? std::atoi(argv[2]) : 30;
  if (batch <= 0 || steps <= 0) {
    std::fprintf(stderr, "usage: %s [batch > 0] [steps > 0]\n", argv[0]);
    return 2;
  }
  try {
    kcell::nn::Network net(reference(), 1, 28, 28, 10, 1);
    kcell::SplitMix64 rng(2);
    std::vector<float> x(static_cast<size_t>(batch) * 28 * 28), dlogits(batch * 10);
    for (float& v : x) v = static_cast<float>(rng.uniform01() * 2 - 1);
    for (float& v : dlogits) v = static_cast<float>((rng.uniform01() - 0.5) / batch);

    auto train_step = [&] {
      net.forward(x.data(), batch, true);
      net.backward(dlogits.data());
      net.weights_changed();  // as after an optimiser step: weights are repacked
    };
    for (int i = 0; i < 3; ++i) train_step();  // plans, JIT kernels, caches
    // Per-batch times: the median is the steady rate, the best one what an idle machine
    // gives (other processes on the two cores stretch single batches a lot).
    std::vector<double> train_ms, infer_ms;
    for (int i = 0; i < steps; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      train_step();
      train_ms.push_back(1e3 * seconds_since(t0));
    }
    for (int i = 0; i < 2; ++i) net.forward(x.data(), batch, false);
    for (int i = 0; i < steps; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      net.forward(x.data(), batch, false);
      infer_ms.push_back(1e3 * seconds_since(t0));
    }

    std::printf("reference 1x28x28, batch %d, %d batches, %d threads\n", batch, steps,
                omp_get_max_threads());
    report("training  (forward+backward)", train_ms, batch);
    report("inference (forward)         ", infer_ms, batch);
    std::printf("activation layout conversions in the plans: %d\n", net.layout_conversions());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
