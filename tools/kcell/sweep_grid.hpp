// The --grid of `kcell sweep`: "KEY=V1,V2 KEY=V1,..." over training options, and the
// option sets of its combinations.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "train_options.hpp"

namespace kcell_cli {

struct GridAxis {
  std::string key;                  // a training option's name without "--", e.g. "lr"
  std::vector<std::string> values;  // as typed
};

using Combination = std::vector<std::pair<std::string, std::string>>;  // (key, value)

// Parses one or more --grid texts. Entries are separated by whitespace, values by commas
// outside parentheses; text that does not start a new KEY= entry continues the previous
// value, so "model=reference,conv(8,3) relu flatten dense" is one axis of two specs.
// Throws CLI::ValidationError (a usage error) for an unknown or repeated key or an empty
// value.
std::vector<GridAxis> parse_grid(const std::vector<std::string>& texts);

// Most runs one sweep takes (documented in docs/cli.md).
constexpr size_t kMaxSweepRuns = 1000;

// Every combination, the last axis varying fastest. Throws CLI::ValidationError for more
// than kMaxSweepRuns, before building any.
std::vector<Combination> grid_combinations(const std::vector<GridAxis>& axes);

// `base` with a combination's values applied through the same option parser as
// `kcell train`, so every value is checked as it would be there (CLI::ValidationError).
TrainOptions apply_combination(const TrainOptions& base, const Combination& combination);

// "lr=0.001 augment=none"
std::string describe_combination(const Combination& combination);

}  // namespace kcell_cli
