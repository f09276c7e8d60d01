#include "history.hpp"

#include "common.hpp"

namespace kcell_cli {

RunHistory read_history(const kcell::History& history) {
  return in_context("history", [&] {
    RunHistory run;
    run.epochs = history.epochs();
    run.best = history.best_epoch();
    return run;
  });
}

}  // namespace kcell_cli
