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
// and xFilter runs EvaluateOverTime (include/overtone/over_time.h): one
// point per series per step t, over the samples in (t - range, t]. Output:
// series_id, metric, labels, ts, value (NULL for NaN, as in `samples`) and
// the hidden raw bits and rank_error (0: exact; for approx = 1 and quantile,
// the bound on the answer's rank error as a fraction of the window's samples).

#include <cmath>
#include <string>
#include <vector>

#include "overtone/over_time.h"
#include "sql/labels_json.h"
#include "sql/selector_arg.h"
#include "sql/value_repr.h"
#include "sql/vtab_common.h"
#include "sql/vtabs.h"

namespace overtone::sql {
namespace {

// The arguments must be the first hidden columns: SQLite fills hidden
// columns with a table-valued function's arguments in declaration order.
enum Column {
  kColSeriesId, kColMetric, kColLabels, kColTs, kColValue,
  kColFn, kColSelector, kColStart, kColEnd, kColStep, kColRange, kColParam, kColApprox, kColRaw, kColRankError,
};
constexpr int kFirstArg = kColFn, kLastArg = kColApprox, kNumArgs = kLastArg - kFirstArg + 1, kRequiredArgs = 6;

struct Point {
  size_t series;  // index into OverTimeCursor::series
  int64_t ts;
  double value;
};

struct OverTimeCursor {
  sqlite3_vtab_cursor base;
  Database* db = nullptr;
  std::vector<SeriesInfo> series;
  std::vector<std::string> labels_json;
  std::vector<Point> points;
  size_t pos = 0;
  sqlite3_value* args[kNumArgs] = {};  // echoed back by the hidden columns
  double rank_error = 0;
};

int Connect(sqlite3* conn, void* aux, int, const char* const*, sqlite3_vtab** out, char**) {
  return ConnectTable(conn, aux,
                      "CREATE TABLE x(series_id INTEGER, metric TEXT, labels TEXT, ts INTEGER, "
                      "value REAL, fn HIDDEN, selector HIDDEN, \"start\" HIDDEN, \"end\" HIDDEN, "
                      "step HIDDEN, \"range\" HIDDEN, param HIDDEN, approx HIDDEN, raw INTEGER HIDDEN, "
                      "rank_error REAL HIDDEN)",
                      out);
}

int BestIndex(sqlite3_vtab*, sqlite3_index_info* info) {
  int at[kNumArgs];
  std::fill(at, at + kNumArgs, -1);
  for (int i = 0; i < info->nConstraint; ++i) {
    const auto& c = info->aConstraint[i];
    if (c.iColumn < kFirstArg || c.iColumn > kLastArg || c.op != SQLITE_INDEX_CONSTRAINT_EQ) continue;
    // An argument that is not usable yet makes this plan impossible; SQLite
    // then orders the join so that it becomes usable.
    if (!c.usable) return SQLITE_CONSTRAINT;
    at[c.iColumn - kFirstArg] = i;
  }
  int plan = 0, n = 0;
  for (int a = 0; a < kNumArgs; ++a) {
    if (at[a] < 0) continue;
    plan |= 1 << a;
    info->aConstraintUsage[at[a]].argvIndex = ++n;
    info->aConstraintUsage[at[a]].omit = 1;
  }
  info->idxNum = plan;
  info->estimatedCost = 1000;
  return SQLITE_OK;
}

int Open(sqlite3_vtab* vtab, sqlite3_vtab_cursor** out) {
  auto* c = new OverTimeCursor();
  c->db = reinterpret_cast<OvertoneVtab*>(vtab)->db;
  *out = &c->base;
  return SQLITE_OK;
}

void ClearArgs(OverTimeCursor* c) {
  for (auto*& v : c->args) {
    sqlite3_value_free(v);
    v = nullptr;
  }
}

int Close(sqlite3_vtab_cursor* cur) {
  auto* c = reinterpret_cast<OverTimeCursor*>(cur);
  ClearArgs(c);
  delete c;
  return SQLITE_OK;
}

Status IntArg(sqlite3_value* v, const char* name, int64_t* out) {
  int type = sqlite3_value_numeric_type(v);
  if (type == SQLITE_FLOAT && std::floor(sqlite3_value_double(v)) == sqlite3_value_double(v)) type = SQLITE_INTEGER;
  if (type != SQLITE_INTEGER) {
    return Status::InvalidArgument(std::string("over_time: ") + name + " must be an integer (milliseconds)");
  }
  *out = sqlite3_value_int64(v);
  return Status::OK();
}

Status Evaluate(OverTimeCursor* c) {
  static const char* kNames[kNumArgs] = {"fn", "selector", "start", "end", "step", "range", "param", "approx"};
  for (int a = 0; a < kRequiredArgs; ++a) {
    if (c->args[a] == nullptr || sqlite3_value_type(c->args[a]) == SQLITE_NULL) {
      return Status::InvalidArgument(std::string("over_time(fn, selector, start, end, step, range [, param]): ") +
                                     kNames[a] + " is missing");
    }
  }
  OverTimeQuery q;
  OT_ASSIGN_OR_RETURN(q.fn, ParseOverTimeFn(TextOf(c->args[0])));
  OT_ASSIGN_OR_RETURN(std::vector<LabelMatcher> matchers, SelectorArg(c->args[1]));
  OT_RETURN_IF_ERROR(IntArg(c->args[2], "start", &q.start));
  OT_RETURN_IF_ERROR(IntArg(c->args[3], "end", &q.end));
  OT_RETURN_IF_ERROR(IntArg(c->args[4], "step", &q.step));
  OT_RETURN_IF_ERROR(IntArg(c->args[5], "range", &q.range));
  sqlite3_value* param = c->args[6];
  bool has_param = param != nullptr && sqlite3_value_type(param) != SQLITE_NULL;
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
  if (approx != nullptr && sqlite3_value_type(approx) != SQLITE_NULL) {
    if (sqlite3_value_numeric_type(approx) != SQLITE_INTEGER || sqlite3_value_int64(approx) < 0 ||
        sqlite3_value_int64(approx) > 1) {
      return Status::InvalidArgument("over_time: approx must be 0 (exact) or 1 (approximate)");
    }
    q.approximate = sqlite3_value_int64(approx) == 1;
  }
  c->rank_error = OverTimeRankErrorBound(q);
  return EvaluateOverTime(c->db, matchers, q, [c](const SeriesInfo& s, int64_t ts, double v) {
    if (c->series.empty() || c->series.back().id != s.id) {
      c->series.push_back(s);
      c->labels_json.push_back(LabelsToJson(s.labels));
    }
    c->points.push_back(Point{c->series.size() - 1, ts, v});
    return Status::OK();
  });
}

int Filter(sqlite3_vtab_cursor* cur, int plan, const char*, int argc, sqlite3_value** argv) {
  auto* c = reinterpret_cast<OverTimeCursor*>(cur);
  ClearArgs(c);
  c->series.clear();
  c->labels_json.clear();
  c->points.clear();
  c->pos = 0;
  int arg = 0;
  for (int a = 0; a < kNumArgs && arg < argc; ++a) {
    if (plan & (1 << a)) c->args[a] = sqlite3_value_dup(argv[arg++]);
  }
  Status s = Evaluate(c);
  return s.ok() ? SQLITE_OK : SetError(cur->pVtab, s);
}

int Next(sqlite3_vtab_cursor* cur) {
  ++reinterpret_cast<OverTimeCursor*>(cur)->pos;
  return SQLITE_OK;
}

int Eof(sqlite3_vtab_cursor* cur) {
  auto* c = reinterpret_cast<OverTimeCursor*>(cur);
  return c->pos >= c->points.size();
}

int ColumnValue(sqlite3_vtab_cursor* cur, sqlite3_context* ctx, int col) {
  auto* c = reinterpret_cast<OverTimeCursor*>(cur);
  const Point& p = c->points[c->pos];
  const SeriesInfo& s = c->series[p.series];
  switch (col) {
    case kColSeriesId: sqlite3_result_int64(ctx, static_cast<sqlite3_int64>(s.id)); break;
    case kColMetric: {
      std::string_view m = GetLabel(s.labels, kMetricNameLabel);
      sqlite3_result_text(ctx, m.data(), static_cast<int>(m.size()), SQLITE_TRANSIENT);
      break;
    }
    case kColLabels: {
      const std::string& j = c->labels_json[p.series];
      sqlite3_result_text(ctx, j.data(), static_cast<int>(j.size()), SQLITE_TRANSIENT);
      break;
    }
    case kColTs: sqlite3_result_int64(ctx, p.ts); break;
    case kColValue: ResultValue(ctx, p.value); break;
    case kColRaw: ResultRaw(ctx, p.value); break;
    case kColRankError: sqlite3_result_double(ctx, c->rank_error); break;
    default:
      if (c->args[col - kFirstArg]) sqlite3_result_value(ctx, c->args[col - kFirstArg]);
      break;
  }
  return SQLITE_OK;
}

int Rowid(sqlite3_vtab_cursor* cur, sqlite_int64* rowid) {
  *rowid = static_cast<sqlite_int64>(reinterpret_cast<OverTimeCursor*>(cur)->pos);
  return SQLITE_OK;
}

const sqlite3_module kOverTimeModule = {
    /* iVersion    */ 0,
    /* xCreate     */ nullptr,  // eponymous only: a function, not a table to create
    /* xConnect    */ Connect,
    /* xBestIndex  */ BestIndex,
    /* xDisconnect */ DisconnectTable,
    /* xDestroy    */ DisconnectTable,
    /* xOpen       */ Open,
    /* xClose      */ Close,
    /* xFilter     */ Filter,
    /* xNext       */ Next,
    /* xEof        */ Eof,
    /* xColumn     */ ColumnValue,
    /* xRowid      */ Rowid,
    /* xUpdate     */ nullptr,
    /* xBegin      */ nullptr,
    /* xSync       */ nullptr,
    /* xCommit     */ nullptr,
    /* xRollback   */ nullptr,
    /* xFindFunction */ nullptr,
    /* xRename     */ nullptr,
    /* xSavepoint  */ nullptr,
    /* xRelease    */ nullptr,
    /* xRollbackTo */ nullptr,
    /* xShadowName */ nullptr,
};

}  // namespace

const sqlite3_module* OverTimeModule() { return &kOverTimeModule; }

}  // namespace overtone::sql
