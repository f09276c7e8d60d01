#include "infer/probability_calibration.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "infer/calibration_metrics.hpp"
#include "infer/conformal.hpp"
#include "infer/decision_bias.hpp"
#include "infer/evaluate.hpp"
#include "infer/predict.hpp"
#include "infer/temperature_scaling.hpp"

namespace kcell::infer {
namespace {

// softmax(z / T) of n rows.
std::vector<float> tempered_probabilities(const std::vector<float>& z, size_t n, int k, double t) {
  std::vector<float> scaled(z), probs(z.size());
  apply_temperature(scaled.data(), scaled.size(), t);
  softmax_rows(scaled.data(), n, k, probs.data());
  return probs;
}

double largest_change(const std::vector<float>& a, const std::vector<float>& b) {
  double d = 0.0;
  for (size_t i = 0; i < a.size(); ++i)
    d = std::max(d, std::fabs(static_cast<double>(a[i]) - static_cast<double>(b[i])));
  return d;
}

}  // namespace

CalibrationFit calibrate_probabilities(model::Model& model, const data::Dataset& dataset,
                                       data::SplitId split, std::optional<double> alpha) {
  if (alpha && !(*alpha > 0.0 && *alpha < 1.0))
    fail(Status::invalid_argument,
         "a conformal alpha must lie in (0, 1), got " + std::to_string(*alpha));
  const int k = model.num_classes();
  const Evaluation before =
      evaluate(model, dataset, split, kEvaluationBatchSize, true, std::nullopt, true);
  const size_t n = before.count;
  const std::vector<float>& z = before.logits;
  if (!std::all_of(z.begin(), z.end(), [](float v) { return std::isfinite(v); }))
    fail(Status::not_finite, "the model's logits on the calibration split are not finite");
  CalibrationFit fit;
  fit.count = n;
  fit.temperature_before = model.temperature();
  const CalibrationMetrics old_metrics =
      compute_calibration(before.probabilities.data(), before.labels.data(), n, k);
  fit.nll_before = old_metrics.nll;
  fit.ece_before = old_metrics.ece;

  const model::DecisionRule rule = model.decision_rule();
  std::vector<float> bias = model.decision_bias();
  double t = 1.0;
  if (rule == model::DecisionRule::validation_priors || rule == model::DecisionRule::balanced) {
    // Coordinate descent on a jointly convex loss: each turn lowers it.
    std::vector<float> shares =
        fit_decision_bias(tempered_probabilities(z, n, k, t).data(), before.labels.data(), n, k);
    for (int turn = 0; turn < 50; ++turn) {
      const double last_t = t;
      t = fit_temperature(z.data(), before.labels.data(), n, k, shares);
      std::vector<float> next =
          fit_decision_bias(tempered_probabilities(z, n, k, t).data(), before.labels.data(), n, k);
      const double moved = largest_change(next, shares);
      shares = std::move(next);
      if (moved < 1e-5 && std::fabs(t - last_t) < 1e-6 * t) break;
    }
    bias = rule == model::DecisionRule::balanced
               ? fit_decision_bias(tempered_probabilities(z, n, k, t).data(), before.labels.data(),
                                   n, k, BiasTarget::equal_priors)
               : shares;
    fit.bias_refitted = true;
  } else {
    t = fit_temperature(z.data(), before.labels.data(), n, k, bias);  // bias empty or held
  }
  model.set_temperature(t);
  if (fit.bias_refitted) model.set_decision_bias(bias, rule);
  fit.temperature = t;

  const Evaluation after = evaluate(model, dataset, split, kEvaluationBatchSize, true);
  const CalibrationMetrics new_metrics =
      compute_calibration(after.probabilities.data(), after.labels.data(), n, k);
  fit.nll = new_metrics.nll;
  fit.ece = new_metrics.ece;
  if (alpha) {
    model::Conformal c;
    c.alpha = *alpha;
    c.quantile = conformal_quantile(after.probabilities.data(), after.labels.data(), n, k, *alpha);
    c.calibration_count = static_cast<int64_t>(n);
    fit.conformal = c;
  }
  model.set_conformal(fit.conformal);
  return fit;
}

}  // namespace kcell::infer
