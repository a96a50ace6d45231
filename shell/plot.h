// A line chart drawn with text, for the shell's .plot and the end of
// `overtone emulate`: several series on one braille canvas, a value axis
// with round ticks on the left, a time (or number) axis with round ticks
// below, and a legend.
//
//    62.5 ┤        ⢀⡠⠤⠒⠉⠉⠑⠢⢄
//    60   ┤   ⢀⡠⠔⠊        ⠈⠑⠤⡀
//    57.5 ┤⠤⠒⠉                ⠈⠒
//         └┬───────────┬───────────
//          10:00       11:00
//         ⣿ cpu{role="web"}  ⣿ cpu{role="db"}
//
// Each character cell is a 2×4 grid of braille dots (U+2800..U+28FF), so a
// W×H cell canvas resolves 2W×4H points. Consecutive points of a series are
// joined by straight lines; a NaN or ±Inf breaks the line. Where series
// cross, a cell shows the dots of all of them in the colour of the last one
// drawn: colour (ANSI, one of six per series) is what tells them apart, so
// without colour the legend lists the series but cannot match them to lines.
//
// RenderPlot is pure: data in, text out; it does not know about terminals.

#ifndef OVERTONE_SHELL_PLOT_H_
#define OVERTONE_SHELL_PLOT_H_

#include <string>
#include <vector>

#include "overtone/status.h"

namespace overtone::shell {

struct PlotSeries {
  std::string name;       // the legend entry
  std::vector<double> x;  // ascending; ms since the epoch when PlotOptions::x_is_time
  std::vector<double> y;  // y[i] belongs to x[i]; NaN and ±Inf break the line
};

struct PlotOptions {
  int width = 80;          // total columns, axis labels included (at least 20)
  int height = 16;         // rows of canvas, without the axis and legend (at least 2)
  bool x_is_time = false;  // x in ms since the epoch, printed as UTC times
  bool color = false;      // ANSI colours per series
};

// The chart as lines of text, each ending in '\n'. InvalidArgument when no
// series has a finite point, or the sizes are too small.
Result<std::string> RenderPlot(const std::vector<PlotSeries>& series, const PlotOptions& options);

// Round tick positions covering [lo, hi], about `target` of them: steps of
// 1, 2 or 5 times a power of ten (or, for time in ms, of a calendar-ish
// unit: seconds, minutes, hours, days). Exposed for tests.
std::vector<double> NiceTicks(double lo, double hi, int target, bool time_ms);
// The step of those ticks.
double NiceStep(double lo, double hi, int target, bool time_ms);

// A tick's text: with the decimals the step needs ("57.5", "60.0"), in
// k, M, G or T once steps are thousands ("1.5M"), or for time "HH:MM", "HH:MM:SS" or "MM-DD HH:MM"
// depending on the span. Exposed for tests.
std::string TickLabel(double v, double step, double span, bool time_ms);

}  // namespace overtone::shell

#endif  // OVERTONE_SHELL_PLOT_H_
