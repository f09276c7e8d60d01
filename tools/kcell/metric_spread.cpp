#include "metric_spread.hpp"

#include <cmath>
#include <cstdio>

namespace kcell_cli {

MetricSpread spread_of(const std::string& name, const std::vector<double>& values) {
  MetricSpread s;
  s.name = name;
  s.n = values.size();
  if (values.empty()) return s;
  double sum = 0;
  for (double v : values) sum += v;
  s.mean = sum / static_cast<double>(values.size());
  double squares = 0;
  for (double v : values) squares += (v - s.mean) * (v - s.mean);
  s.sd = values.size() > 1 ? std::sqrt(squares / static_cast<double>(values.size() - 1)) : NAN;
  return s;
}

std::string format_spread(const MetricSpread& s) {
  char text[64];
  if (s.n > 1 && !std::isnan(s.mean))
    std::snprintf(text, sizeof text, "%.4f ± %.4f", s.mean, s.sd);
  else
    std::snprintf(text, sizeof text, "%.4f", s.mean);
  return text;
}

nlohmann::json spreads_json(const std::vector<MetricSpread>& spreads) {
  auto number = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); };
  nlohmann::json j = nlohmann::json::object();
  for (const MetricSpread& s : spreads)
    j[s.name] = {{"mean", number(s.mean)}, {"sd", number(s.sd)}, {"n", s.n}};
  return j;
}

}  // namespace kcell_cli
