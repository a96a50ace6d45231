// What .plot draws, and how wide: the series of a SQL result or of a PromQL range query.
//
// A SQL result is read the way people write such queries:
//   - the x axis is the first column named ts, time or timestamp, else the
//     first column when it is numeric. Values of 1e11 and more are taken as
//     ms since the epoch, smaller ones in a time-named column as seconds;
//     either way the axis shows UTC times. Otherwise x is a plain number.
//   - every other numeric column is a series ("wide" results:
//     `SELECT ts, cpu, mem FROM ...`);
//   - text columns name the series ("long" results:
//     `SELECT ts, host, value FROM ...` draws one line per host).
// NULL values leave a gap. Points are sorted by x.

#ifndef OVERTONE_SHELL_PLOT_DATA_H_
#define OVERTONE_SHELL_PLOT_DATA_H_

#include <cstdint>
#include <cstdio>
#include <string_view>
#include <vector>

#include "overtone/status.h"
#include "shell/plot.h"

struct sqlite3;

namespace overtone::shell {

struct PlotData {
  std::vector<PlotSeries> series;
  bool x_is_time = false;
};

// The options to draw on `out` with: the terminal's width when `out` is
// one (else $COLUMNS, else 80), colour only on a terminal.
PlotOptions PlotOptionsFor(FILE* out);

// Runs one SQL statement on `conn` and reads its rows as above.
Result<PlotData> PlotDataFromSql(sqlite3* conn, std::string_view sql);

// Runs `expr` as a PromQL range query over [end - range, end] at about
// `points` steps (at least 1 s apart); one series per result series, named
// by its labels.
Result<PlotData> PlotDataFromPromql(sqlite3* conn, std::string_view expr, int64_t range_ms, int64_t end_ms,
                                    int points);

}  // namespace overtone::shell

#endif  // OVERTONE_SHELL_PLOT_DATA_H_
