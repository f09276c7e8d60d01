#include "history.hpp"

#include "common.hpp"

namespace kcell_cli {

RunHistory read_history(const kcell_history* history) {
  RunHistory run;
  size_t count = 0;
  check(kcell_history_count(history, &count), "history");
  run.epochs.resize(count);
  for (size_t i = 0; i < count; ++i) {
    run.epochs[i].struct_size = sizeof(kcell_epoch_stats);
    check(kcell_history_epoch(history, i, &run.epochs[i]), "history");
  }
  check(kcell_history_best_epoch(history, &run.best), "history");
  return run;
}

}  // namespace kcell_cli
