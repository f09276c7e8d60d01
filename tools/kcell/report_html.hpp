// report.html: a self-contained page (inline CSS and SVG, no script, no network) with the
// headline numbers, learning curves, confusion heatmap, per-class recall and the settings.
#pragma once

#include <string>

#include "report_data.hpp"

namespace kcell_cli {

std::string render_report_html(const ReportData& report);

}  // namespace kcell_cli
