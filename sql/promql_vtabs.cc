// Two table-valued functions that give SQL PromQL's selectors:
//
//   instant_vector(selector, start, end, step [, lookback [, offset]])
//     PromQL's instant-vector selector evaluated at t = start, start+step,
//     ... <= end (ms): per series the latest sample in
//     (t-offset-lookback, t-offset] unless it is a staleness marker.
//     lookback defaults to 300000 (5m), offset to 0.
//   range_function(fn, selector, start, end, step, range [, offset [, param]])
//     fn = rate irate increase delta idelta resets changes deriv
//     predict_linear over the window (t-offset-range, t-offset]; param is
//     predict_linear's seconds ahead.
//
//   SELECT labelset(metric, labels), ts, value
//     FROM range_function('rate', 'http_requests_total{job="api"}', :start, :end, 60000, 300000);
//
// HOW IT WORKS
// As over_time (over_time_vtab.cc): the arguments are the first hidden
// columns, which SQLite's table-valued function syntax fills left to right;
// xBestIndex takes them as equality constraints and xFilter runs the engine
// (engine/range_functions.h), buffering the points. Output columns:
// series_id, metric, labels (as in `series`), ts (the evaluation time t),
// value (NULL for NaN), then instant_vector's sample_ts (the sample's own
// time) and the hidden raw bits.

#include <cmath>
#include <string>
#include <vector>

#include "engine/range_functions.h"
#include "sql/labels_json.h"
#include "sql/selector_arg.h"
#include "sql/value_repr.h"
#include "sql/vtab_common.h"
#include "sql/vtabs.h"

namespace overtone::sql {
namespace {

enum class Kind { kInstantVector, kRangeFunction };

// Visible columns common to both, then each one's own.
enum CommonColumn { kColSeriesId, kColMetric, kColLabels, kColTs, kColValue };
// instant_vector: 5 sample_ts, 6.. args, then raw.
constexpr int kIvSampleTs = 5, kIvFirstArg = 6, kIvNumArgs = 6, kIvRequired = 4;
// range_function: 5.. args, then raw.
constexpr int kRfFirstArg = 5, kRfNumArgs = 8, kRfRequired = 6;
constexpr int kMaxArgs = 8;

struct Spec {
  const char* schema;
  int first_arg, num_args, required;
  const char* names[kMaxArgs];
  const char* usage;
};

const Spec kInstantVectorSpec = {
    "CREATE TABLE x(series_id INTEGER, metric TEXT, labels TEXT, ts INTEGER, value REAL, sample_ts INTEGER, "
    "selector HIDDEN, \"start\" HIDDEN, \"end\" HIDDEN, step HIDDEN, lookback HIDDEN, \"offset\" HIDDEN, "
    "raw INTEGER HIDDEN)",
    kIvFirstArg, kIvNumArgs, kIvRequired,
    {"selector", "start", "end", "step", "lookback", "offset"},
    "instant_vector(selector, start, end, step [, lookback [, offset]])"};

const Spec kRangeFunctionSpec = {
    "CREATE TABLE x(series_id INTEGER, metric TEXT, labels TEXT, ts INTEGER, value REAL, fn HIDDEN, "
    "selector HIDDEN, \"start\" HIDDEN, \"end\" HIDDEN, step HIDDEN, \"range\" HIDDEN, \"offset\" HIDDEN, "
    "param HIDDEN, raw INTEGER HIDDEN)",
    kRfFirstArg, kRfNumArgs, kRfRequired,
    {"fn", "selector", "start", "end", "step", "range", "offset", "param"},
    "range_function(fn, selector, start, end, step, range [, offset [, param]])"};

struct PromVtab {
  OvertoneVtab base;  // must be first
  const Spec* spec;
  Kind kind;
};

struct Point {
  size_t series;  // index into PromCursor::series
  int64_t ts;
  int64_t sample_ts;
  double value;
};

struct PromCursor {
  sqlite3_vtab_cursor base;
  const PromVtab* vtab = nullptr;
  std::vector<SeriesInfo> series;
  std::vector<std::string> labels_json;
  std::vector<Point> points;
  size_t pos = 0;
  sqlite3_value* args[kMaxArgs] = {};  // echoed back by the hidden columns
};

template <Kind kKind>
int Connect(sqlite3* conn, void* aux, int, const char* const*, sqlite3_vtab** out, char**) {
  const Spec* spec = kKind == Kind::kInstantVector ? &kInstantVectorSpec : &kRangeFunctionSpec;
  int rc = sqlite3_declare_vtab(conn, spec->schema);
  if (rc != SQLITE_OK) return rc;
  auto* t = new PromVtab();
  t->base.db = static_cast<Database*>(aux);
  t->spec = spec;
  t->kind = kKind;
  *out = &t->base.base;
  return SQLITE_OK;
}

int Disconnect(sqlite3_vtab* vtab) {
  delete reinterpret_cast<PromVtab*>(vtab);
  return SQLITE_OK;
}

int BestIndex(sqlite3_vtab* vtab, sqlite3_index_info* info) {
  const Spec* spec = reinterpret_cast<PromVtab*>(vtab)->spec;
  int at[kMaxArgs];
  std::fill(at, at + kMaxArgs, -1);
  for (int i = 0; i < info->nConstraint; ++i) {
    const auto& c = info->aConstraint[i];
    int a = c.iColumn - spec->first_arg;
    if (a < 0 || a >= spec->num_args || c.op != SQLITE_INDEX_CONSTRAINT_EQ) continue;
    // An argument not usable yet rules this plan out; SQLite then orders
    // the join so that it becomes usable.
    if (!c.usable) return SQLITE_CONSTRAINT;
    at[a] = i;
  }
  int plan = 0, n = 0;
  for (int a = 0; a < spec->num_args; ++a) {
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
  auto* c = new PromCursor();
  c->vtab = reinterpret_cast<PromVtab*>(vtab);
  *out = &c->base;
  return SQLITE_OK;
}

void ClearArgs(PromCursor* c) {
  for (auto*& v : c->args) {
    sqlite3_value_free(v);
    v = nullptr;
  }
}

int Close(sqlite3_vtab_cursor* cur) {
  auto* c = reinterpret_cast<PromCursor*>(cur);
  ClearArgs(c);
  delete c;
  return SQLITE_OK;
}

bool Present(sqlite3_value* v) { return v != nullptr && sqlite3_value_type(v) != SQLITE_NULL; }

Status IntArg(const Spec& spec, sqlite3_value* v, int a, int64_t* out) {
  int type = sqlite3_value_numeric_type(v);
  if (type == SQLITE_FLOAT && std::floor(sqlite3_value_double(v)) == sqlite3_value_double(v)) type = SQLITE_INTEGER;
  if (type != SQLITE_INTEGER) {
    return Status::InvalidArgument(std::string(spec.usage) + ": " + spec.names[a] + " must be an integer (ms)");
  }
  *out = sqlite3_value_int64(v);
  return Status::OK();
}

Status Collect(PromCursor* c, const SeriesInfo& s, int64_t ts, int64_t sample_ts, double v) {
  if (c->series.empty() || c->series.back().id != s.id) {
    c->series.push_back(s);
    c->labels_json.push_back(LabelsToJson(s.labels));
  }
  c->points.push_back(Point{c->series.size() - 1, ts, sample_ts, v});
  return Status::OK();
}

Status EvaluateInstantVector(PromCursor* c) {
  const Spec& spec = *c->vtab->spec;
  OT_ASSIGN_OR_RETURN(std::vector<LabelMatcher> matchers, SelectorArg(c->args[0]));
  InstantVectorQuery q;
  OT_RETURN_IF_ERROR(IntArg(spec, c->args[1], 1, &q.start));
  OT_RETURN_IF_ERROR(IntArg(spec, c->args[2], 2, &q.end));
  OT_RETURN_IF_ERROR(IntArg(spec, c->args[3], 3, &q.step));
  if (Present(c->args[4])) OT_RETURN_IF_ERROR(IntArg(spec, c->args[4], 4, &q.lookback));
  if (Present(c->args[5])) OT_RETURN_IF_ERROR(IntArg(spec, c->args[5], 5, &q.offset));
  return overtone::EvaluateInstantVector(
      c->vtab->base.db, matchers, q,
      [c](const SeriesInfo& s, int64_t ts, int64_t sample_ts, double v) { return Collect(c, s, ts, sample_ts, v); });
}

Status EvaluateRangeFunction(PromCursor* c) {
  const Spec& spec = *c->vtab->spec;
  RangeFunctionQuery q;
  OT_ASSIGN_OR_RETURN(q.fn, ParseRangeFn(TextOf(c->args[0])));
  OT_ASSIGN_OR_RETURN(std::vector<LabelMatcher> matchers, SelectorArg(c->args[1]));
  OT_RETURN_IF_ERROR(IntArg(spec, c->args[2], 2, &q.start));
  OT_RETURN_IF_ERROR(IntArg(spec, c->args[3], 3, &q.end));
  OT_RETURN_IF_ERROR(IntArg(spec, c->args[4], 4, &q.step));
  OT_RETURN_IF_ERROR(IntArg(spec, c->args[5], 5, &q.range));
  if (Present(c->args[6])) OT_RETURN_IF_ERROR(IntArg(spec, c->args[6], 6, &q.offset));
  sqlite3_value* param = c->args[7];
  if (RangeFnTakesParam(q.fn)) {
    if (!Present(param)) {
      return Status::InvalidArgument(std::string(RangeFnName(q.fn)) + " needs a numeric param");
    }
    q.param = sqlite3_value_double(param);
  } else if (Present(param)) {
    return Status::InvalidArgument(std::string(RangeFnName(q.fn)) + " takes no param");
  }
  return overtone::EvaluateRangeFunction(c->vtab->base.db, matchers, q,
                                         [c](const SeriesInfo& s, int64_t ts, double v) {
                                           return Collect(c, s, ts, ts, v);
                                         });
}

Status Evaluate(PromCursor* c) {
  const Spec& spec = *c->vtab->spec;
  for (int a = 0; a < spec.required; ++a) {
    if (!Present(c->args[a])) {
      return Status::InvalidArgument(std::string(spec.usage) + ": " + spec.names[a] + " is missing");
    }
  }
  return c->vtab->kind == Kind::kInstantVector ? EvaluateInstantVector(c) : EvaluateRangeFunction(c);
}

int Filter(sqlite3_vtab_cursor* cur, int plan, const char*, int argc, sqlite3_value** argv) {
  auto* c = reinterpret_cast<PromCursor*>(cur);
  ClearArgs(c);
  c->series.clear();
  c->labels_json.clear();
  c->points.clear();
  c->pos = 0;
  int arg = 0;
  for (int a = 0; a < c->vtab->spec->num_args && arg < argc; ++a) {
    if (plan & (1 << a)) c->args[a] = sqlite3_value_dup(argv[arg++]);
  }
  Status s = Evaluate(c);
  return s.ok() ? SQLITE_OK : SetError(cur->pVtab, s);
}

int Next(sqlite3_vtab_cursor* cur) {
  ++reinterpret_cast<PromCursor*>(cur)->pos;
  return SQLITE_OK;
}

int Eof(sqlite3_vtab_cursor* cur) {
  auto* c = reinterpret_cast<PromCursor*>(cur);
  return c->pos >= c->points.size();
}

int ColumnValue(sqlite3_vtab_cursor* cur, sqlite3_context* ctx, int col) {
  auto* c = reinterpret_cast<PromCursor*>(cur);
  const Spec& spec = *c->vtab->spec;
  const Point& p = c->points[c->pos];
  const SeriesInfo& s = c->series[p.series];
  if (col >= spec.first_arg && col < spec.first_arg + spec.num_args) {
    if (c->args[col - spec.first_arg]) sqlite3_result_value(ctx, c->args[col - spec.first_arg]);
    return SQLITE_OK;
  }
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
    default:
      if (c->vtab->kind == Kind::kInstantVector && col == kIvSampleTs) {
        sqlite3_result_int64(ctx, p.sample_ts);
      } else {
        ResultRaw(ctx, p.value);  // the last column: raw
      }
  }
  return SQLITE_OK;
}

int Rowid(sqlite3_vtab_cursor* cur, sqlite_int64* rowid) {
  *rowid = static_cast<sqlite_int64>(reinterpret_cast<PromCursor*>(cur)->pos);
  return SQLITE_OK;
}

template <Kind kKind>
constexpr sqlite3_module MakeModule() {
  return sqlite3_module{
      /* iVersion    */ 0,
      /* xCreate     */ nullptr,  // eponymous only: a function, not a table to create
      /* xConnect    */ Connect<kKind>,
      /* xBestIndex  */ BestIndex,
      /* xDisconnect */ Disconnect,
      /* xDestroy    */ Disconnect,
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
}

const sqlite3_module kInstantVectorModule = MakeModule<Kind::kInstantVector>();
const sqlite3_module kRangeFunctionModule = MakeModule<Kind::kRangeFunction>();

}  // namespace

const sqlite3_module* InstantVectorModule() { return &kInstantVectorModule; }
const sqlite3_module* RangeFunctionModule() { return &kRangeFunctionModule; }

}  // namespace overtone::sql
