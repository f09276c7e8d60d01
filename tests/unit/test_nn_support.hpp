// Helpers for the nn tests: run one layer's plan on plain tensors, and compare analytic
// gradients with central finite differences of J = sum(r ⊙ output), kept in double.
#pragma once

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/rng.hpp"
#include "nn/dnnl_compat.hpp"
#include "nn/exec.hpp"
#include "nn/layer.hpp"

namespace kcell::nn::test {

inline std::vector<float> random_vector(size_t n, uint64_t seed, double lo = -1.0,
                                        double hi = 1.0) {
  SplitMix64 rng(seed);
  std::vector<float> v(n);
  for (float& x : v) x = static_cast<float>(lo + (hi - lo) * rng.uniform01());
  return v;
}

// Values whose magnitude is at least `margin`, so ReLU kinks are out of a perturbation's
// reach.
inline std::vector<float> away_from_zero(size_t n, uint64_t seed, double margin) {
  std::vector<float> v = random_vector(n, seed);
  for (float& x : v) x = static_cast<float>(x >= 0 ? margin + x : -margin + x);
  return v;
}

// One layer's plan in training mode over plain input and output tensors.
class LayerHarness {
 public:
  LayerHarness(Layer& layer, Shape in, int64_t n, bool training = true)
      : layer_(layer), in_(in), n_(n) {
    ctx_.engine = eng_;
    ctx_.n = n;
    ctx_.training = training;
    ctx_.backward = training;
    ctx_.weights_version = &version_;
    ctx_.dropout = &clock_;
    ctx_.layout_conversions = &conversions_;
    input.assign(static_cast<size_t>(n * in.size()), 0.f);
    in_mem_ = over(compat::plain_md(in.dims(n)), eng_, input);
    plan_ = layer.make_plan(ctx_, in_mem_);
    const Shape out = layer.out_shape();
    output.assign(static_cast<size_t>(n * out.size()), 0.f);
    out_mem_ = over(compat::plain_md(out.dims(n)), eng_, output);
    to_plain_ = Reorder(plan_->dst(), out_mem_);
    r = random_vector(output.size(), 977);
  }

  // Call after changing parameter values.
  void weights_changed() { ++version_; }
  DropoutClock& clock() { return clock_; }

  const std::vector<float>& forward() {
    rebind(in_mem_, input);
    plan_->forward(stream_);
    to_plain_.run(stream_);
    stream_.wait();
    return output;
  }

  // J = sum(r ⊙ output) of a fresh forward.
  double objective() {
    forward();
    double j = 0;
    for (size_t i = 0; i < output.size(); ++i) j += static_cast<double>(r[i]) * output[i];
    return j;
  }

  // Backward with diff_dst = r after a forward; returns dJ/dinput (plain).
  std::vector<float> backward() {
    if (!built_) {
      r_mem_ = over(compat::plain_md(layer_.out_shape().dims(n_)), eng_, r);
      memory_ = plan_->build_backward(r_mem_, true);
      diff_in.assign(input.size(), 0.f);
      diff_mem_ = over(compat::plain_md(in_.dims(n_)), eng_, diff_in);
      from_diff_ = Reorder(memory_, diff_mem_);
      built_ = true;
    }
    plan_->backward(stream_);
    from_diff_.run(stream_);
    stream_.wait();
    return diff_in;
  }

  int conversions() const { return conversions_; }

  std::vector<float> input, output, r, diff_in;

 private:
  Layer& layer_;
  Shape in_;
  int64_t n_;
  dnnl::engine eng_{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream_{eng_};
  uint64_t version_ = 1;
  DropoutClock clock_;
  int conversions_ = 0;
  PlanContext ctx_;
  dnnl::memory in_mem_, out_mem_, r_mem_, memory_, diff_mem_;
  std::unique_ptr<LayerPlan> plan_;
  Reorder to_plain_, from_diff_;
  bool built_ = false;
};

struct GradCheck {
  double rel_error = 0;  // ||analytic - numeric|| / max(||analytic||, ||numeric||)
  double scale = 0;      // max(||analytic||, ||numeric||)
  size_t checked = 0;
  size_t skipped = 0;  // elements whose perturbation crossed a kink (detect_kinks)
};

// Central differences of objective() for values[i], i in `indices` (all when empty), with
// `changed` called after every modification. With detect_kinks, an element whose one-sided
// slopes disagree by more than kink_tol (relative) is skipped instead of compared.
inline GradCheck check_gradient(std::vector<float>& values, const std::vector<float>& analytic,
                                const std::function<double()>& objective,
                                const std::function<void()>& changed, double eps,
                                std::vector<size_t> indices = {}, bool detect_kinks = false,
                                double kink_tol = 0.25) {
  REQUIRE(values.size() == analytic.size());
  if (indices.empty()) {
    for (size_t i = 0; i < values.size(); ++i) indices.push_back(i);
  }
  const double j0 = detect_kinks ? objective() : 0.0;
  GradCheck result;
  double diff2 = 0, a2 = 0, n2 = 0;
  for (size_t i : indices) {
    const float v = values[i];
    values[i] = static_cast<float>(v + eps);
    const double up = static_cast<double>(values[i]) - v;
    changed();
    const double jp = objective();
    values[i] = static_cast<float>(v - eps);
    const double down = static_cast<double>(values[i]) - v;
    changed();
    const double jm = objective();
    values[i] = v;
    changed();
    if (detect_kinks) {
      const double right = (jp - j0) / up, left = (j0 - jm) / -down;
      if (std::fabs(right - left) > kink_tol * std::max(std::fabs(right), std::fabs(left)) + 1e-3) {
        ++result.skipped;
        continue;
      }
    }
    const double numeric = (jp - jm) / (up - down);
    const double a = analytic[i];
    diff2 += (a - numeric) * (a - numeric);
    a2 += a * a;
    n2 += numeric * numeric;
    ++result.checked;
  }
  const double scale = std::sqrt(std::max(a2, n2));
  result.scale = scale;
  result.rel_error = scale > 0 ? std::sqrt(diff2) / scale : 0.0;
  if (detect_kinks) objective();  // leave the outputs of the unperturbed values
  return result;
}

inline Param* find_param(std::vector<Param*> params, const std::string& name) {
  for (Param* p : params) {
    if (p->name == name) return p;
  }
  FAIL("no parameter " << name);
  return nullptr;
}

}  // namespace kcell::nn::test

namespace kcell::nn::test {

// Up to `count` distinct indices below size, spread over the whole range.
inline std::vector<size_t> spread_indices(size_t size, size_t count) {
  std::vector<size_t> idx;
  if (size <= count) {
    for (size_t i = 0; i < size; ++i) idx.push_back(i);
    return idx;
  }
  for (size_t k = 0; k < count; ++k) idx.push_back(k * size / count + (k * 7919) % (size / count));
  return idx;
}

// Checks dJ/dparam for every parameter of a layer run through the harness; backward() must
// have run. Returns the worst relative error.
inline double check_layer_params(Layer& layer, LayerHarness& h, double eps, size_t max_elems = 60,
                                 bool detect_kinks = false) {
  std::vector<Param*> params;
  std::vector<Buffer*> buffers;
  layer.collect(params, buffers);
  double worst = 0;
  for (Param* p : params) {
    const std::vector<float> analytic = p->grad;
    GradCheck c = check_gradient(
        p->value, analytic, [&] { return h.objective(); }, [&] { h.weights_changed(); }, eps,
        spread_indices(p->value.size(), max_elems), detect_kinks);
    INFO(p->name << " rel error " << c.rel_error << " skipped " << c.skipped);
    CHECK(c.rel_error < 2e-2);
    CHECK(c.skipped * 5 <= c.checked);
    worst = std::max(worst, c.rel_error);
  }
  return worst;
}

}  // namespace kcell::nn::test
