// The C training parameters inside the library: their defaults (the recipe), a caller's
// struct of any older or newer size over them (struct_size versioning), and their
// conversion to train::TrainConfig. kcell_train (train_api.cpp) uses them.
#pragma once

#include <kcell/kcell.h>

#include "api/handles.hpp"
#include "train/trainer.hpp"

namespace kcell::api {

// The caller's parameters over the defaults (the defaults when NULL); fields past the
// caller's struct_size keep their defaults.
kcell_train_params versioned_params(const kcell_train_params* in);

// The settings train::train runs with; checks what the struct cannot express (ranges of
// enums, thread counts). `history` receives the epochs when not NULL.
kcell::train::TrainConfig to_config(const kcell_train_params& p, int num_classes, bool has_val,
                                    kcell_history* history);

}  // namespace kcell::api
