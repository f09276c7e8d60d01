#include "infer/temperature_scaling.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "infer/labelled_rows.hpp"
#include "model/model.hpp"

namespace kcell::infer {
namespace {

struct Derivatives {
  double loss = 0.0, slope = 0.0, curvature = 0.0;  // in beta = 1 / T
};

// Loss and its first two derivatives in beta at beta.
Derivatives at(const float* z, const int32_t* labels, size_t n, size_t k, const float* bias,
               double beta) {
  Derivatives d;
  std::vector<double> u(k);
  for (size_t i = 0; i < n; ++i) {
    const float* row = z + i * k;
    double top = -1e300;
    for (size_t c = 0; c < k; ++c)
      top = std::max(top, u[c] = beta * row[c] + (bias ? bias[c] : 0.0));
    double sum = 0.0, mean = 0.0, square = 0.0;
    for (size_t c = 0; c < k; ++c) {
      const double w = std::exp(u[c] - top);
      sum += w;
      mean += w * row[c];
      square += w * static_cast<double>(row[c]) * row[c];
    }
    mean /= sum;
    const size_t y = static_cast<size_t>(labels[i]);
    d.loss += top + std::log(sum) - u[y];
    d.slope += mean - row[y];
    d.curvature += std::max(0.0, square / sum - mean * mean);
  }
  const double count = static_cast<double>(n);
  d.loss /= count;
  d.slope /= count;
  d.curvature /= count;
  return d;
}

void check(const float* logits, const int32_t* labels, size_t n, int k,
           const std::vector<float>& bias) {
  check_labelled_rows(logits, labels, n, k, "temperature scaling", Status::invalid_argument);
  if (!bias.empty() && bias.size() != static_cast<size_t>(k))
    fail(Status::invalid_argument, "temperature scaling: the bias needs one value per class");
}

}  // namespace

double temperature_nll(const float* logits, const int32_t* labels, size_t n, int k,
                       double temperature, const std::vector<float>& bias) {
  check(logits, labels, n, k, bias);
  return at(logits, labels, n, static_cast<size_t>(k), bias.empty() ? nullptr : bias.data(),
            1.0 / temperature)
      .loss;
}

double fit_temperature(const float* logits, const int32_t* labels, size_t n, int k,
                       const std::vector<float>& bias) {
  check(logits, labels, n, k, bias);
  const size_t kk = static_cast<size_t>(k);
  const float* b = bias.empty() ? nullptr : bias.data();
  const auto slope = [&](double beta) { return at(logits, labels, n, kk, b, beta); };
  double lo = 1.0 / model::kMaxTemperature, hi = 1.0 / model::kMinTemperature;
  // The slope rises with beta (convexity): its sign at the bounds says where the root is.
  if (slope(lo).slope >= 0.0) return model::kMaxTemperature;
  if (slope(hi).slope <= 0.0) return model::kMinTemperature;
  double beta = 1.0;
  for (int iteration = 0; iteration < 200; ++iteration) {
    const Derivatives d = slope(beta);
    if (d.slope > 0.0)
      hi = beta;
    else
      lo = beta;
    if (std::fabs(d.slope) < 1e-12 || hi - lo < 1e-12 * beta) break;
    const double newton = d.curvature > 0.0 ? beta - d.slope / d.curvature : -1.0;
    // Outside the bracket (or flat): bisect in log beta, since beta spans four decades.
    beta = newton > lo && newton < hi ? newton : std::sqrt(lo * hi);
  }
  return std::clamp(1.0 / beta, model::kMinTemperature, model::kMaxTemperature);
}

void apply_temperature(float* logits, size_t count, double temperature) {
  if (temperature == 1.0) return;
  for (size_t i = 0; i < count; ++i)
    logits[i] = static_cast<float>(static_cast<double>(logits[i]) / temperature);
}

}  // namespace kcell::infer
