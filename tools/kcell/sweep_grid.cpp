#include "sweep_grid.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cctype>
#include <sstream>

namespace kcell_cli {
namespace {

// "key=" at the start of a token, key in lower case letters, digits and '-'.
bool starts_entry(const std::string& token) {
  const size_t eq = token.find('=');
  if (eq == std::string::npos || eq == 0 || !std::islower(static_cast<unsigned char>(token[0])))
    return false;
  return std::all_of(token.begin(), token.begin() + static_cast<long>(eq), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) ||
           std::isdigit(static_cast<unsigned char>(c)) || c == '-';
  });
}

std::vector<std::string> split_values(const std::string& text) {
  std::vector<std::string> values(1);
  int depth = 0;
  for (char c : text) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0)
      values.emplace_back();
    else
      values.back() += c;
  }
  return values;
}

}  // namespace

std::vector<GridAxis> parse_grid(const std::vector<std::string>& texts) {
  std::vector<std::string> entries;
  for (const std::string& text : texts) {
    std::istringstream words(text);
    for (std::string token; words >> token;) {
      if (starts_entry(token))
        entries.push_back(token);
      else if (!entries.empty())
        entries.back() += " " + token;
      else
        throw CLI::ValidationError("--grid", "expected KEY=VALUE,VALUE... at '" + token + "'");
    }
  }
  if (entries.empty()) throw CLI::ValidationError("--grid", "is empty");
  const std::vector<std::string> known = train_option_names();
  std::vector<GridAxis> axes;
  for (const std::string& entry : entries) {
    GridAxis axis;
    axis.key = entry.substr(0, entry.find('='));
    if (std::find(known.begin(), known.end(), axis.key) == known.end())
      throw CLI::ValidationError("--grid", "'" + axis.key +
                                               "' is not a training option (one of "
                                               "the options of kcell train, without --)");
    for (const GridAxis& other : axes)
      if (other.key == axis.key)
        throw CLI::ValidationError("--grid", "'" + axis.key + "' is given twice");
    axis.values = split_values(entry.substr(entry.find('=') + 1));
    for (const std::string& v : axis.values)
      if (v.empty()) throw CLI::ValidationError("--grid", "'" + axis.key + "' has an empty value");
    axes.push_back(axis);
  }
  return axes;
}

std::vector<Combination> grid_combinations(const std::vector<GridAxis>& axes) {
  // Counted before anything is built: a grid of 10^9 runs must fail at once, not fill memory.
  size_t runs = 1;
  for (const GridAxis& axis : axes) {
    runs *= std::max<size_t>(axis.values.size(), 1);
    if (runs > kMaxSweepRuns)
      throw CLI::ValidationError("--grid", "the grid has more than " +
                                               std::to_string(kMaxSweepRuns) +
                                               " combinations; sweep at most that many runs");
  }
  std::vector<Combination> all(1);
  for (const GridAxis& axis : axes) {
    std::vector<Combination> next;
    for (const Combination& partial : all)
      for (const std::string& value : axis.values) {
        Combination c = partial;
        c.emplace_back(axis.key, value);
        next.push_back(c);
      }
    all = next;
  }
  return all;
}

TrainOptions apply_combination(const TrainOptions& base, const Combination& combination) {
  TrainOptions options = base;
  CLI::App parser{"sweep run"};
  add_train_options(parser, options);
  std::vector<std::string> args;
  for (const auto& [key, value] : combination) args.push_back("--" + key + "=" + value);
  std::reverse(args.begin(), args.end());  // CLI11 takes a vector last argument first
  try {
    parser.parse(args);
  } catch (const CLI::ParseError& e) {
    throw CLI::ValidationError("--grid", describe_combination(combination) + ": " + e.what());
  }
  return options;
}

std::string describe_combination(const Combination& combination) {
  std::string text;
  for (const auto& [key, value] : combination)
    text += (text.empty() ? "" : " ") + key + "=" + value;
  return text;
}

}  // namespace kcell_cli
