// Calibration charts as inline SVG: the reliability diagram (accuracy against confidence
// per bin, with the bins' image counts) and the risk-coverage curve (accuracy of the
// answered images against the share answered, most confident first).
#pragma once

#include <kcell/kcell.h>

#include <string>

namespace kcell_cli::svg {

std::string render_reliability_diagram(const kcell_calibration& c);
std::string render_risk_coverage(const kcell_calibration& c);

}  // namespace kcell_cli::svg
