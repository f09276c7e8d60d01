// The plan of `kcell tune`: which recipes it tries (a search space of training options,
// sampled reproducibly) and the rungs of successive halving (epochs per rung, how many
// candidates survive each).
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "sweep_grid.hpp"
#include "train_options.hpp"

namespace kcell_cli {

// The default search space: architecture presets, learning rate, weight decay,
// augmentation, class weighting and label smoothing (docs/cli.md lists the values).
std::vector<GridAxis> default_tune_space();

// `count` distinct combinations of `space`, drawn with `seed`; the first is `base`'s own
// values of the space's keys (so the default recipe always competes). Fewer when the space
// has fewer combinations.
std::vector<Combination> tune_candidates(const std::vector<GridAxis>& space,
                                         const TrainOptions& base, size_t count, uint64_t seed);

struct Rung {
  int epochs = 0;         // training length of every candidate in the rung
  size_t candidates = 0;  // how many enter it
};

// Successive halving from `candidates` recipes at `min_epochs`: each rung keeps the best
// ceil(n / eta) (at least `keep_last`) and multiplies the epochs by eta (at most
// `max_epochs`), until `keep_last` candidates remain or the epochs reach `max_epochs`. The
// last rung trains `max_epochs`; the pick is the best of it.
std::vector<Rung> halving_rungs(size_t candidates, int min_epochs, int max_epochs, int eta,
                                size_t keep_last);

// Who enters the next rung: the best `keep` of `ranked` (best first), and `base` (the
// default recipe) besides them if it is ranked at all. Recipes that regularise strongly
// (augmentation, the weight average) learn slowest at first, and halving alone would judge
// them at a few epochs.
template <class T>
std::vector<T*> next_rung(const std::vector<T*>& ranked, size_t keep, const T* base) {
  std::vector<T*> out(ranked.begin(), ranked.begin() + std::min(keep, ranked.size()));
  const auto ranked_base = std::find(ranked.begin(), ranked.end(), base);
  if (!out.empty() && ranked_base != ranked.end() &&
      std::find(out.begin(), out.end(), base) == out.end())
    out.push_back(*ranked_base);
  return out;
}

}  // namespace kcell_cli
