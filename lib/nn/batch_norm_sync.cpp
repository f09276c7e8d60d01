#include "nn/batch_norm_sync.hpp"

#include <cmath>
#include <vector>

namespace kcell::nn {

StatisticsSum& batch_statistics_sum() {
  thread_local StatisticsSum sum;
  return sum;
}

int64_t global_batch_statistics(float* mean, float* var, const float* shift, size_t channels,
                                int64_t count, const StatisticsSum& sum) {
  std::vector<float> sums(2 * channels + 1);
  const auto n = static_cast<double>(count);
  for (size_t c = 0; c < channels; ++c) {
    const double d = static_cast<double>(mean[c]) - shift[c];
    sums[c] = static_cast<float>(n * d);
    sums[channels + c] = static_cast<float>(n * (static_cast<double>(var[c]) + d * d));
  }
  sums[2 * channels] = static_cast<float>(count);
  sum(sums.data(), sums.size());
  const double total = sums[2 * channels];
  for (size_t c = 0; c < channels; ++c) {
    const double d = sums[c] / total;
    mean[c] = static_cast<float>(shift[c] + d);
    var[c] = static_cast<float>(std::fmax(sums[channels + c] / total - d * d, 0.0));
  }
  return static_cast<int64_t>(total + 0.5);
}

void add_statistics_gradient(float* dx, const float* x, int64_t n, size_t channels, int64_t spatial,
                             const float* mean, const float* var, const float* scale,
                             const float* dy_sum, const float* dy_xhat_sum, int64_t global_count,
                             float eps) {
  const auto m = static_cast<double>(global_count);
#pragma omp parallel for collapse(2)
  for (int64_t i = 0; i < n; ++i)
    for (int64_t c = 0; c < static_cast<int64_t>(channels); ++c) {
      const double inv_sigma = 1.0 / std::sqrt(static_cast<double>(var[c]) + eps);
      const double k = scale[c] * inv_sigma / m;
      const double a = dy_sum[c], b = dy_xhat_sum[c];
      const size_t at = (static_cast<size_t>(i) * channels + static_cast<size_t>(c)) *
                        static_cast<size_t>(spatial);
      for (int64_t s = 0; s < spatial; ++s) {
        const double xhat = (x[at + s] - static_cast<double>(mean[c])) * inv_sigma;
        dx[at + s] = static_cast<float>(dx[at + s] - k * (a + xhat * b));
      }
    }
}

}  // namespace kcell::nn
