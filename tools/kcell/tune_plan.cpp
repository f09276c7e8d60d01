#include "tune_plan.hpp"

#include <algorithm>
#include <map>
#include <random>
#include <set>

namespace kcell_cli {

std::vector<GridAxis> default_tune_space() {
  return {
      {"model", {"resnet10", "resnet8", "reference"}},
      {"lr", {"0.003", "0.001", "0.0003"}},
      {"weight-decay", {"0.05", "0.005"}},
      {"augment", {"hflip+vflip+rot90+jitter+rotate", "hflip+vflip+rot90+jitter", "hflip", "none"}},
      {"class-weights", {"sqrt", "none", "auto"}},
      {"label-smoothing", {"0", "0.1"}}};
}

std::vector<Combination> tune_candidates(const std::vector<GridAxis>& space,
                                         const TrainOptions& base, size_t count, uint64_t seed) {
  std::map<std::string, std::string> own;
  for (const auto& [name, value] : describe_settings(base)) own[name] = value;
  Combination first;
  for (const GridAxis& axis : space)
    first.emplace_back(axis.key, own.count(axis.key) ? own[axis.key] : axis.values.front());

  std::vector<Combination> all = grid_combinations(space);
  std::mt19937_64 rng(seed);
  std::shuffle(all.begin(), all.end(), rng);
  std::vector<Combination> out = {first};
  std::set<Combination> seen = {first};
  for (const Combination& c : all) {
    if (out.size() >= count) break;
    if (seen.insert(c).second) out.push_back(c);
  }
  return out;
}

std::vector<Rung> halving_rungs(size_t candidates, int min_epochs, int max_epochs, int eta,
                                size_t keep_last) {
  std::vector<Rung> rungs;
  size_t n = candidates;
  int epochs = std::min(min_epochs, max_epochs);
  keep_last = std::max<size_t>(1, std::min(keep_last, candidates));
  while (true) {
    rungs.push_back({epochs, n});
    // Done when few enough remain, or when the epochs cannot grow (a rung of the same
    // length would only repeat the runs): the pick is then the best of this rung.
    if (n <= keep_last || epochs >= max_epochs) break;
    n = std::max(keep_last, (n + static_cast<size_t>(eta) - 1) / static_cast<size_t>(eta));
    epochs = std::min(max_epochs, epochs * eta);
  }
  // The pick is trained as long as a run of its own would be, not judged half-way.
  rungs.back().epochs = max_epochs;
  return rungs;
}

}  // namespace kcell_cli
