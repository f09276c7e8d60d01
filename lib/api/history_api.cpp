// The history handle: per-epoch records of kcell_train, read field by field into the
// caller's sized struct.
#include <string>

#include "api/arguments.hpp"
#include "api/guard.hpp"
#include "api/handles.hpp"

using kcell::Status;
using kcell::api::guarded;
using kcell::api::require;

extern "C" {

KCELL_API kcell_status kcell_history_create(kcell_history** out) {
  return guarded([&] {
    require(out, "out");
    *out = new kcell_history();
  });
}

KCELL_API void kcell_history_free(kcell_history* history) { delete history; }

KCELL_API kcell_status kcell_history_count(const kcell_history* history, size_t* count) {
  return guarded([&] {
    require(history, "history");
    require(count, "count");
    *count = history->epochs.size();
  });
}

KCELL_API kcell_status kcell_history_epoch(const kcell_history* history, size_t index,
                                           kcell_epoch_stats* stats) {
  return guarded([&] {
    require(history, "history");
    require(stats, "stats");
    const size_t size =
        kcell::api::caller_struct_size(stats, "stats", "set it to sizeof(kcell_epoch_stats)");
    if (index >= history->epochs.size())
      kcell::fail(Status::invalid_argument,
                  "epoch index " + std::to_string(index) + " is past the " +
                      std::to_string(history->epochs.size()) + " recorded epochs");
    kcell_epoch_stats full = history->epochs[index];
    kcell::api::copy_sized(&full, sizeof full, stats, size);
  });
}

KCELL_API kcell_status kcell_history_best_epoch(const kcell_history* history, int* best) {
  return guarded([&] {
    require(history, "history");
    require(best, "best");
    *best = history->best_epoch;
  });
}

}  // extern "C"
