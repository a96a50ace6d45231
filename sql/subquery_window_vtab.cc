// A range function over a subquery's points, all outer steps in one call:
//
//   subquery_window(fn, start, end, step, range, offset, param, param2, input)
//     fn: a *_over_time name without the suffix (avg, quantile, ...) or a
//     range function (rate, deriv, ...); at t = start, start+step, ... <= end
//     it is evaluated per series of `input` (an instant vector packed by
//     prom_vector(), see vector_match.h) over the points in the window
//     (t - offset - range, t - offset], as prom_window() evaluates one
//     window. param and param2 as prom_window's (NULL: NaN). Columns:
//     labelset, drop_name (the largest of the series'), ts (t), value; no
//     row where the function has no value.
//
//   subquery_window_series(fn, start, end, step, range, offset, param, param2, input)
//     the same, a row per series: labelset, drop_name, and points, the
//     series' values by time packed in a BLOB (sql/packed_points.h); no row
//     for a series without a value. A query whose result is the subquery's
//     function (adapters/promql/translator.cc) reads these rows, as it
//     reads vector_series()'s.
//
// HOW IT WORKS
// The translation of `f(e[r:s])` used to join every outer step with the
// inner points in SQL and GROUP BY series and step: a sort of steps x window
// rows. Here each series' points are sorted once and the window slides over
// them, two indexes per series. At a query's root, a row per point cost
// SQLite a step, the label set's copy and the name's removal per point
// (most of such a query's work beside reading the samples); a row per series
// pays those once a series.

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/range_functions.h"
#include "overtone/over_time.h"
#include "sql/packed_points.h"
#include "sql/table_function.h"
#include "sql/value_repr.h"
#include "sql/vector_match.h"
#include "sql/vtab_common.h"
#include "sql/vtabs.h"

namespace overtone::sql {
namespace {

constexpr int kNumArgs = 9;
// The hidden columns of both tables' arguments.
#define OVERTONE_SUBQUERY_WINDOW_ARGS                                                               \
  "fn HIDDEN, \"start\" HIDDEN, \"end\" HIDDEN, step HIDDEN, \"range\" HIDDEN, \"offset\" HIDDEN, " \
  "param HIDDEN, param2 HIDDEN, input HIDDEN"

// One value of the function: a series of the input at an outer step.
struct WindowValue {
  uint32_t series;
  int64_t ts;
  double value;
};

Status IntArg(sqlite3_value* v, const char* name, int64_t* out) {
  if (v == nullptr || sqlite3_value_numeric_type(v) != SQLITE_INTEGER) {
    return Status::InvalidArgument(std::string("subquery_window: ") + name + " must be an integer (ms)");
  }
  *out = sqlite3_value_int64(v);
  return Status::OK();
}

double DoubleArg(sqlite3_value* v) {
  return v == nullptr || sqlite3_value_type(v) == SQLITE_NULL ? std::nan("") : sqlite3_value_double(v);
}

// The function's values over the arguments' input: *series the input's
// series by label set (as GROUP BY labelset did), *values series by series
// and by time within one.
Status EvaluateWindows(const FunctionArgs& args, std::vector<VectorOperand::Series>* series,
                       std::vector<WindowValue>* values) {
  if (args[0] == nullptr || args[8] == nullptr) {
    return Status::InvalidArgument(
        "subquery_window(fn, start, end, step, range, offset, param, param2, input): fn and input are "
        "needed");
  }
  std::string fn = TextOf(args[0]);
  int64_t start, end, step, range, offset;
  OT_RETURN_IF_ERROR(IntArg(args[1], "start", &start));
  OT_RETURN_IF_ERROR(IntArg(args[2], "end", &end));
  OT_RETURN_IF_ERROR(IntArg(args[3], "step", &step));
  OT_RETURN_IF_ERROR(IntArg(args[4], "range", &range));
  OT_RETURN_IF_ERROR(IntArg(args[5], "offset", &offset));
  if (step <= 0) return Status::InvalidArgument("subquery_window: step must be positive");
  double param = DoubleArg(args[6]), param2 = DoubleArg(args[7]);
  std::optional<OverTimeFn> over_time;
  std::optional<RangeFn> range_fn;
  if (auto o = ParseOverTimeFn(fn); o.ok()) {
    over_time = *o;
  } else {
    OT_ASSIGN_OR_RETURN(range_fn, ParseRangeFn(fn));
    OT_RETURN_IF_ERROR(CheckRangeFnParams(*range_fn, param, param2));
  }
  const void* blob = sqlite3_value_blob(args[8]);
  OT_ASSIGN_OR_RETURN(VectorOperand input,
                      UnpackVector(blob == nullptr ? std::string_view()
                                                   : std::string_view(static_cast<const char*>(blob),
                                                                      sqlite3_value_bytes(args[8]))));
  std::map<std::string, uint32_t> index;
  std::vector<uint32_t> of(input.series.size());
  for (size_t i = 0; i < input.series.size(); ++i) {
    auto [it, inserted] = index.emplace(input.series[i].labelset, static_cast<uint32_t>(series->size()));
    if (inserted) series->push_back(VectorOperand::Series{input.series[i].labelset, false});
    (*series)[it->second].drop_name = (*series)[it->second].drop_name || input.series[i].drop_name;
    of[i] = it->second;
  }
  std::vector<std::vector<Sample>> points(series->size());
  for (const VectorOperand::Point& p : input.points) points[of[p.series]].push_back(Sample{p.ts, p.value});
  const int64_t steps = end < start ? 0 : (end - start) / step + 1;
  for (uint32_t s = 0; s < series->size(); ++s) {
    std::vector<Sample>& v = points[s];
    std::stable_sort(v.begin(), v.end(), [](const Sample& a, const Sample& b) { return a.ts < b.ts; });
    size_t lo = 0, hi = 0;
    for (int64_t k = 0; k < steps; ++k) {
      const int64_t t = start + k * step, window_end = t - offset;
      while (hi < v.size() && v[hi].ts <= window_end) ++hi;
      while (lo < hi && v[lo].ts <= window_end - range) ++lo;
      if (lo == hi) continue;
      std::span<const Sample> window(v.data() + lo, hi - lo);
      std::optional<double> value = over_time
                                        ? EvalWindow(*over_time, window, param)
                                        : EvalRangeWindow(*range_fn, window, t, offset, range, param, param2);
      if (value) values->push_back(WindowValue{s, t, *value});
    }
  }
  return Status::OK();
}

// subquery_window(): a row a value.
struct WindowCursor : RowsCursor<WindowValue> {
  enum Column { kLabelset, kDropName, kTs, kValue, kFirstArg };

  explicit WindowCursor(sqlite3_vtab*) {}

  Status Filter(int plan, int argc, sqlite3_value** argv) {
    rows.clear();
    pos = 0;
    series.clear();
    args.Take(plan, kNumArgs, argc, argv);
    return EvaluateWindows(args, &series, &rows);
  }

  void Column(sqlite3_context* ctx, int col) const {
    const WindowValue& r = row();
    switch (col) {
      case kLabelset: ResultString(ctx, series[r.series].labelset); return;
      case kDropName: sqlite3_result_int(ctx, series[r.series].drop_name ? 1 : 0); return;
      case kTs: sqlite3_result_int64(ctx, r.ts); return;
      case kValue: ResultValue(ctx, r.value); return;
      default:
        if (col >= kFirstArg && col < kFirstArg + kNumArgs) args.Echo(ctx, col - kFirstArg);
    }
  }

  FunctionArgs args;
  std::vector<VectorOperand::Series> series;
};

// subquery_window_series(): a row a series, its values packed.
struct SeriesRow {
  uint32_t series;
  std::string points;
};

struct WindowSeriesCursor : RowsCursor<SeriesRow> {
  enum Column { kLabelset, kDropName, kPoints, kFirstArg };

  explicit WindowSeriesCursor(sqlite3_vtab*) {}

  Status Filter(int plan, int argc, sqlite3_value** argv) {
    rows.clear();
    pos = 0;
    series.clear();
    args.Take(plan, kNumArgs, argc, argv);
    std::vector<WindowValue> values;
    OT_RETURN_IF_ERROR(EvaluateWindows(args, &series, &values));
    for (const WindowValue& v : values) {
      if (rows.empty() || rows.back().series != v.series) rows.push_back(SeriesRow{v.series, {}});
      AppendPackedPoint(&rows.back().points, v.ts, v.value);
    }
    return Status::OK();
  }

  void Column(sqlite3_context* ctx, int col) const {
    const SeriesRow& r = row();
    switch (col) {
      case kLabelset: ResultString(ctx, series[r.series].labelset); return;
      case kDropName: sqlite3_result_int(ctx, series[r.series].drop_name ? 1 : 0); return;
      case kPoints: sqlite3_result_blob64(ctx, r.points.data(), r.points.size(), SQLITE_TRANSIENT); return;
      default:
        if (col >= kFirstArg && col < kFirstArg + kNumArgs) args.Echo(ctx, col - kFirstArg);
    }
  }

  FunctionArgs args;
  std::vector<VectorOperand::Series> series;
};

int Connect(sqlite3* conn, void* aux, int, const char* const*, sqlite3_vtab** out, char**) {
  return ConnectTable(conn, aux,
                      "CREATE TABLE x(labelset TEXT, drop_name INTEGER, ts INTEGER, value "
                      "REAL, " OVERTONE_SUBQUERY_WINDOW_ARGS ")",
                      out);
}

int BestIndex(sqlite3_vtab*, sqlite3_index_info* info) {
  return PlanFunctionArgs(info, WindowCursor::kFirstArg, kNumArgs);
}

int ConnectSeries(sqlite3* conn, void* aux, int, const char* const*, sqlite3_vtab** out, char**) {
  return ConnectTable(
      conn, aux,
      "CREATE TABLE x(labelset TEXT, drop_name INTEGER, points BLOB, " OVERTONE_SUBQUERY_WINDOW_ARGS ")",
      out);
}

int BestIndexSeries(sqlite3_vtab*, sqlite3_index_info* info) {
  return PlanFunctionArgs(info, WindowSeriesCursor::kFirstArg, kNumArgs);
}

#undef OVERTONE_SUBQUERY_WINDOW_ARGS

const sqlite3_module kSubqueryWindowModule =
    CursorModule<WindowCursor>(/*create=*/nullptr, Connect, BestIndex, DisconnectTable<>);
const sqlite3_module kSubqueryWindowSeriesModule =
    CursorModule<WindowSeriesCursor>(/*create=*/nullptr, ConnectSeries, BestIndexSeries, DisconnectTable<>);

}  // namespace

const sqlite3_module* SubqueryWindowModule() { return &kSubqueryWindowModule; }
const sqlite3_module* SubqueryWindowSeriesModule() { return &kSubqueryWindowSeriesModule; }

}  // namespace overtone::sql
