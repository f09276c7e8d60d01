// Per-class recall as inline SVG horizontal bars, with the balanced accuracy (their mean)
// marked.
#pragma once

#include <string>

#include "evaluation.hpp"

namespace kcell_cli::svg {

std::string render_recall_bars(const Evaluation& e);

}  // namespace kcell_cli::svg
