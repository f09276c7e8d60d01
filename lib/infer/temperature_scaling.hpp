// Temperature scaling (Guo et al. 2017): one scalar T such that softmax(z / T + bias)
// minimises the negative log-likelihood of labelled rows. Not to be confused with
// infer/calibrate.hpp, which calibrates int8 activation ranges.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace kcell::infer {

// The T in [model::kMinTemperature, model::kMaxTemperature] minimising the mean
// -log softmax(z_i / T + bias)[label_i] over n rows of k logits (bias: k values or empty).
// With beta = 1 / T the loss is convex (logsumexp of a line) with derivative
// mean_i(E_p[z_i] - z_i[label]) and second derivative mean_i Var_p(z_i); Newton steps kept
// inside a shrinking bracket find its root. A loss still falling at a bound (rows all
// right and ever more confident) gives that bound. Throws invalid_argument for n = 0,
// k < 2, a label outside [0, k) or a non-finite logit.
double fit_temperature(const float* logits, const int32_t* labels, size_t n, int k,
                       const std::vector<float>& bias = {});

// Mean -log softmax(z_i / T + bias)[label_i], in double.
double temperature_nll(const float* logits, const int32_t* labels, size_t n, int k,
                       double temperature, const std::vector<float>& bias = {});

// Divides count logits by T in place, rounding to float: prediction and evaluation both
// do it this way, so they agree bit for bit. T = 1 leaves them untouched.
void apply_temperature(float* logits, size_t count, double temperature);

}  // namespace kcell::infer
