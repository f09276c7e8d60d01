// The --tta option of `kcell train`, `kcell eval` and `kcell predict`: which test-time
// augmentation (kcell_model_set_tta()) a model predicts with.
#pragma once

#include <kcell/kcell.hpp>

#include <string>

namespace CLI {
class App;
}

namespace kcell_cli {

// "none", "flips", "flips4", "dihedral" (the JSON and report spelling).
const char* tta_name(kcell_tta tta);
// Views of each image under `tta`: 1, 2, 4 or 8 (0 for a value that is no kcell_tta).
int tta_views(kcell_tta tta);
// "dihedral (8 views)", for the console.
std::string tta_text(kcell_tta tta);

// Registers --tta on `cmd` bound to `value` (auto, none, flips, flips4 or dihedral);
// `auto_help` says what auto means for this command.
void add_tta_option(CLI::App& cmd, std::string& value, const std::string& auto_help);

// Sets the model's test-time augmentation to `value` unless it is auto. Throws Failure
// (dihedral for a model whose images are not square).
void apply_tta_option(kcell::Model& model, const std::string& value);

}  // namespace kcell_cli
