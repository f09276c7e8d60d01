// The confusion matrix as an inline SVG heatmap: one cell per (true, predicted) class pair,
// shaded by the share of the true class, with counts, class names and a colour scale.
#pragma once

#include <string>

#include "evaluation.hpp"

namespace kcell_cli::svg {

std::string render_confusion_heatmap(const Evaluation& e);

}  // namespace kcell_cli::svg
