// Mean and standard deviation of one metric over several runs (seeds, ensemble members),
// as `kcell train --seeds` and `kcell tune` report them.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace kcell_cli {

struct MetricSpread {
  std::string name;  // e.g. "test_accuracy"
  double mean = 0;
  double sd = 0;  // sample standard deviation (n - 1); NaN for one value
  size_t n = 0;
};

// NaN in `values` makes the mean and sd NaN (a metric that was unknown in some run).
MetricSpread spread_of(const std::string& name, const std::vector<double>& values);

// "0.8812 ± 0.0043" (just the mean for one value).
std::string format_spread(const MetricSpread& s);

// {"name": {"mean": m, "sd": s, "n": n}, ...}; NaN becomes null.
nlohmann::json spreads_json(const std::vector<MetricSpread>& spreads);

}  // namespace kcell_cli
