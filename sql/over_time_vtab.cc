// over_time(fn, selector, start, end, step, range [, param [, approx]]):
// PromQL's `*_over_time` functions as a table-valued function.
//
//   SELECT labels, ts, value
//     FROM over_time('avg', 'node_cpu{mode="idle"}', 1700000000000, 1700086400000, 3600000, 3600000);
//   SELECT * FROM over_time('quantile', 'latency', :t, :t, 1, 86400000, 0.99);
//   SELECT value, rank_error FROM over_time('quantile', 'latency', :t, :t, 1, 604800000, 0.99, 1);
//
// HOW IT WORKS
// The arguments are hidden columns (SQLite's table-valued function syntax
// fills them left to right); xBestIndex takes them as equality constraints
// (sql/table_function.h) and xFilter runs EvaluateOverTime (include/overtone/over_time.h): one
// point per series per step t, over the samples in (t - range, t]. Output:
// series_id, metric, labels, ts, value (NULL for NaN, as in `samples`) and
// the hidden raw bits and rank_error (0: exact; for approx = 1 and quantile,
// the bound on the answer's rank error as a fraction of the window's samples).

#include <cmath>
#include <string>
#include <vector>

#include "overtone/over_time.h"
#include "sql/table_function.h"
#include "sql/value_repr.h"
#include "sql/vtab_common.h"
#include "sql/vtabs.h"

namespace overtone::sql {
namespace {

// The arguments must be the first hidden columns: SQLite fills hidden
// columns with a table-valued function's arguments in declaration order.
enum Column {
  kColFn = kColValue + 1,
  kColSelector,
  kColStart,
  kColEnd,
  kColStep,
  kColRange,
  kColParam,
  kColApprox,
  kColRaw,
  kColRankError,
  kColLabelset,
};
constexpr int kFirstArg = kColFn, kLastArg = kColApprox, kNumArgs = kLastArg - kFirstArg + 1,
              kRequiredArgs = 6;

struct OverTimeCursor : SeriesPointsCursor {
  explicit OverTimeCursor(sqlite3_vtab* vtab)
      : db(reinterpret_cast<OvertoneVtab*>(vtab)->db),
        cancel(reinterpret_cast<OvertoneVtab*>(vtab)->cancel) {}

  Status Filter(int plan, int argc, sqlite3_value** argv);

  void Column(sqlite3_context* ctx, int col) const {
    if (ResultSharedColumn(ctx, col, kFirstArg, kNumArgs)) return;
    switch (col) {
      case kColRaw: ResultRaw(ctx, row().value); break;
      case kColRankError: sqlite3_result_double(ctx, rank_error); break;
      case kColLabelset: ResultLabelset(ctx); break;
    }
  }

  Database* db;
  const CancelToken* cancel;
  double rank_error = 0;
};

int Connect(sqlite3* conn, void* aux, int, const char* const*, sqlite3_vtab** out, char**) {
  return ConnectTable(conn, aux,
                      "CREATE TABLE x(series_id INTEGER, metric TEXT, labels TEXT, ts INTEGER, "
                      "value REAL, fn HIDDEN, selector HIDDEN, \"start\" HIDDEN, \"end\" HIDDEN, "
                      "step HIDDEN, \"range\" HIDDEN, param HIDDEN, approx HIDDEN, raw INTEGER HIDDEN, "
                      "rank_error REAL HIDDEN, labelset TEXT HIDDEN)",
                      out);
}

int BestIndex(sqlite3_vtab*, sqlite3_index_info* info) { return PlanFunctionArgs(info, kFirstArg, kNumArgs); }

Status IntArg(sqlite3_value* v, const char* name, int64_t* out) {
  int type = sqlite3_value_numeric_type(v);
  if (type == SQLITE_FLOAT && std::floor(sqlite3_value_double(v)) == sqlite3_value_double(v))
    type = SQLITE_INTEGER;
  if (type != SQLITE_INTEGER) {
    return Status::InvalidArgument(std::string("over_time: ") + name + " must be an integer (milliseconds)");
  }
  *out = sqlite3_value_int64(v);
  return Status::OK();
}

Status Evaluate(OverTimeCursor* c) {
  static const char* kNames[kNumArgs] = {"fn",   "selector", "start", "end",
                                         "step", "range",    "param", "approx"};
  for (int a = 0; a < kRequiredArgs; ++a) {
    if (!c->args.Present(a)) {
      return Status::InvalidArgument(
          std::string("over_time(fn, selector, start, end, step, range [, param]): ") + kNames[a] +
          " is missing");
    }
  }
  OverTimeQuery q;
  OT_ASSIGN_OR_RETURN(q.fn, ParseOverTimeFn(TextOf(c->args[0])));
  OT_ASSIGN_OR_RETURN(std::vector<LabelMatcher> matchers, c->args.Selector(1));
  OT_RETURN_IF_ERROR(IntArg(c->args[2], "start", &q.start));
  OT_RETURN_IF_ERROR(IntArg(c->args[3], "end", &q.end));
  OT_RETURN_IF_ERROR(IntArg(c->args[4], "step", &q.step));
  OT_RETURN_IF_ERROR(IntArg(c->args[5], "range", &q.range));
  sqlite3_value* param = c->args[6];
  bool has_param = c->args.Present(6);
  if (OverTimeFnTakesParam(q.fn)) {
    if (!has_param || (sqlite3_value_numeric_type(param) != SQLITE_INTEGER &&
                       sqlite3_value_numeric_type(param) != SQLITE_FLOAT)) {
      return Status::InvalidArgument("over_time: quantile needs a numeric param, e.g. 0.99");
    }
    q.param = sqlite3_value_double(param);
  } else if (has_param) {
    return Status::InvalidArgument("over_time: " + std::string(OverTimeFnName(q.fn)) +
                                   " takes no param (pass NULL before approx)");
  }
  sqlite3_value* approx = c->args[7];
  if (c->args.Present(7)) {
    if (sqlite3_value_numeric_type(approx) != SQLITE_INTEGER || sqlite3_value_int64(approx) < 0 ||
        sqlite3_value_int64(approx) > 1) {
      return Status::InvalidArgument("over_time: approx must be 0 (exact) or 1 (approximate)");
    }
    q.approximate = sqlite3_value_int64(approx) == 1;
  }
  q.cancel = c->cancel;
  c->rank_error = OverTimeRankErrorBound(q);
  return EvaluateOverTime(c->db, matchers, q,
                          [c](const SeriesInfo& s, int64_t ts, double v) { return c->Add(s, ts, ts, v); });
}

Status OverTimeCursor::Filter(int plan, int argc, sqlite3_value** argv) {
  Start(plan, kNumArgs, argc, argv);
  return Evaluate(this);
}

const sqlite3_module kOverTimeModule =
    CursorModule<OverTimeCursor>(/*create=*/nullptr, Connect, BestIndex, DisconnectTable<>);

}  // namespace

const sqlite3_module* OverTimeModule() { return &kOverTimeModule; }

}  // namespace overtone::sql
