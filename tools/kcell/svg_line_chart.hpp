// A line chart of per-epoch values (learning curves) as inline SVG: axes with round ticks,
// grid lines, a legend and the best epoch marked.
#pragma once

#include <string>
#include <vector>

namespace kcell_cli::svg {

struct ChartSeries {
  std::string name;  // legend text
  std::string color;
  std::vector<double> values;  // one per epoch; NaN leaves a gap
  bool dashed = false;
  std::string css_class;  // e.g. "train" -> class="series series-train"
};

struct LineChart {
  std::string title;  // accessible name of the chart
  std::string y_label;
  std::vector<ChartSeries> series;
  int marked_epoch = -1;  // 0-based index of the best epoch; -1 for none
};

// The chart as an <svg> element `width` × `height` user units wide (it scales to its box).
std::string render_line_chart(const LineChart& chart, int width, int height);

}  // namespace kcell_cli::svg
