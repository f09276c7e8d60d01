// Small building blocks for the report's inline SVG: escaping, numbers, axis ticks and the
// report's palette. No dependency, no external resource.
#pragma once

#include <string>
#include <vector>

namespace kcell_cli::svg {

// Neutral palette: ink and greys for text and axes, muted blue and orange for series
// (colour-blind safe together), a single-hue blue ramp for heatmaps.
inline constexpr const char* kInk = "#1f2933";
inline constexpr const char* kMuted = "#616e7c";
inline constexpr const char* kAxis = "#9aa5b1";
inline constexpr const char* kGrid = "#e4e7eb";
inline constexpr const char* kBlue = "#3b6ea5";
inline constexpr const char* kOrange = "#d9822b";
inline constexpr const char* kGreen = "#3f8f5f";

// Escapes &, <, >, " and ' for XML text and attribute values.
std::string escape(const std::string& text);

// A coordinate with at most two decimals and no trailing zeros ("12.5", "3").
std::string coord(double value);

// A label with `decimals` decimals ("0.80").
std::string fixed(double value, int decimals);

// Round axis ticks covering [lo, hi]: about `target` values at a 1, 2 or 5 × 10^n step.
struct Ticks {
  std::vector<double> values;  // from the first tick <= lo to the first >= hi
  int decimals = 0;            // enough to tell neighbouring ticks apart
};
Ticks nice_ticks(double lo, double hi, int target);

// Integer ticks 1..n for epochs, at most about `target` of them.
Ticks epoch_ticks(int n, int target);

// The heatmap colour for t in [0, 1] (0 nearly white, 1 dark blue), as "#rrggbb".
std::string heat_color(double t);
// Whether text on heat_color(t) should be white rather than dark.
bool heat_needs_light_text(double t);

// A name cut to `max_chars` characters (UTF-8 aware) with "…" when longer.
std::string shorten(const std::string& text, size_t max_chars);

}  // namespace kcell_cli::svg
