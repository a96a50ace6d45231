// Two table-valued functions that give SQL PromQL's selectors:
//
//   instant_vector(selector, start, end, step [, lookback [, offset]])
//     PromQL's instant-vector selector evaluated at t = start, start+step,
//     ... <= end (ms): per series the latest sample in
//     (t-offset-lookback, t-offset] unless it is a staleness marker.
//     lookback defaults to 300000 (5m), offset to 0.
//   range_function(fn, selector, start, end, step, range [, offset [, param [, param2]]])
//     fn = rate irate increase delta idelta resets changes deriv
//     predict_linear double_exponential_smoothing (or holt_winters) over the
//     window (t-offset-range, t-offset]; param is predict_linear's seconds
//     ahead or double_exponential_smoothing's smoothing factor, param2 its
//     trend factor.
//
//   SELECT labelset(metric, labels), ts, value
//     FROM range_function('rate', 'http_requests_total{job="api"}', :start, :end, 60000, 300000);
//
// HOW IT WORKS
// As over_time, with the same parts (sql/table_function.h): the arguments
// are the first hidden columns, which SQLite's table-valued function syntax
// fills left to right; xBestIndex takes them as equality constraints and
// xFilter runs the engine (engine/range_functions.h), buffering the points. Output columns:
// series_id, metric, labels (as in `series`), ts (the evaluation time t),
// value (NULL for NaN), then instant_vector's sample_ts (the sample's own
// time) and the hidden raw bits.

#include <cmath>
#include <string>
#include <vector>

#include "engine/range_functions.h"
#include "sql/table_function.h"
#include "sql/value_repr.h"
#include "sql/vtab_common.h"
#include "sql/vtabs.h"

namespace overtone::sql {
namespace {

enum class Kind { kInstantVector, kRangeFunction };

// instant_vector: after the shared columns, sample_ts, then the arguments
// and raw.
constexpr int kIvSampleTs = kColValue + 1, kIvFirstArg = kIvSampleTs + 1, kIvNumArgs = 6, kIvRequired = 4;
// range_function: after the shared columns, the arguments and raw.
constexpr int kRfFirstArg = kColValue + 1, kRfNumArgs = 9, kRfRequired = 6;
constexpr int kMaxArgs = kMaxFunctionArgs;

struct Spec {
  const char* schema;
  int first_arg, num_args, required;
  const char* names[kMaxArgs];
  const char* usage;
};

const Spec kInstantVectorSpec = {
    "CREATE TABLE x(series_id INTEGER, metric TEXT, labels TEXT, ts INTEGER, value REAL, sample_ts INTEGER, "
    "selector HIDDEN, \"start\" HIDDEN, \"end\" HIDDEN, step HIDDEN, lookback HIDDEN, \"offset\" HIDDEN, "
    "raw INTEGER HIDDEN, labelset TEXT HIDDEN)",
    kIvFirstArg,
    kIvNumArgs,
    kIvRequired,
    {"selector", "start", "end", "step", "lookback", "offset"},
    "instant_vector(selector, start, end, step [, lookback [, offset]])"};

const Spec kRangeFunctionSpec = {
    "CREATE TABLE x(series_id INTEGER, metric TEXT, labels TEXT, ts INTEGER, value REAL, fn HIDDEN, "
    "selector HIDDEN, \"start\" HIDDEN, \"end\" HIDDEN, step HIDDEN, \"range\" HIDDEN, \"offset\" HIDDEN, "
    "param HIDDEN, param2 HIDDEN, raw INTEGER HIDDEN, labelset TEXT HIDDEN)",
    kRfFirstArg,
    kRfNumArgs,
    kRfRequired,
    {"fn", "selector", "start", "end", "step", "range", "offset", "param", "param2"},
    "range_function(fn, selector, start, end, step, range [, offset [, param [, param2]]])"};

struct PromVtab {
  OvertoneVtab base;  // must be first
  const Spec* spec;
  Kind kind;
};

struct PromCursor : SeriesPointsCursor {
  explicit PromCursor(sqlite3_vtab* table) : vtab(reinterpret_cast<PromVtab*>(table)) {}

  Status Filter(int plan, int argc, sqlite3_value** argv);

  void Column(sqlite3_context* ctx, int col) const {
    if (ResultSharedColumn(ctx, col, vtab->spec->first_arg, vtab->spec->num_args)) return;
    // After the arguments: raw, then labelset.
    const int raw = vtab->spec->first_arg + vtab->spec->num_args;
    if (vtab->kind == Kind::kInstantVector && col == kIvSampleTs) {
      sqlite3_result_int64(ctx, row().sample_ts);
    } else if (col == raw) {
      ResultRaw(ctx, row().value);
    } else if (col == raw + 1) {
      ResultLabelset(ctx);
    }
  }

  const PromVtab* vtab;
};

template <Kind kKind>
int Connect(sqlite3* conn, void* aux, int, const char* const*, sqlite3_vtab** out, char**) {
  const Spec* spec = kKind == Kind::kInstantVector ? &kInstantVectorSpec : &kRangeFunctionSpec;
  int rc = ConnectTable<PromVtab>(conn, aux, spec->schema, out);
  if (rc != SQLITE_OK) return rc;
  auto* t = reinterpret_cast<PromVtab*>(*out);
  t->spec = spec;
  t->kind = kKind;
  return SQLITE_OK;
}

int BestIndex(sqlite3_vtab* vtab, sqlite3_index_info* info) {
  const Spec* spec = reinterpret_cast<PromVtab*>(vtab)->spec;
  return PlanFunctionArgs(info, spec->first_arg, spec->num_args);
}

Status IntArg(const Spec& spec, sqlite3_value* v, int a, int64_t* out) {
  int type = sqlite3_value_numeric_type(v);
  if (type == SQLITE_FLOAT && std::floor(sqlite3_value_double(v)) == sqlite3_value_double(v))
    type = SQLITE_INTEGER;
  if (type != SQLITE_INTEGER) {
    return Status::InvalidArgument(std::string(spec.usage) + ": " + spec.names[a] +
                                   " must be an integer (ms)");
  }
  *out = sqlite3_value_int64(v);
  return Status::OK();
}

Status EvaluateInstantVector(PromCursor* c) {
  const Spec& spec = *c->vtab->spec;
  OT_ASSIGN_OR_RETURN(std::vector<LabelMatcher> matchers, c->args.Selector(0));
  InstantVectorQuery q;
  q.cancel = c->vtab->base.cancel;
  OT_RETURN_IF_ERROR(IntArg(spec, c->args[1], 1, &q.start));
  OT_RETURN_IF_ERROR(IntArg(spec, c->args[2], 2, &q.end));
  OT_RETURN_IF_ERROR(IntArg(spec, c->args[3], 3, &q.step));
  if (c->args.Present(4)) OT_RETURN_IF_ERROR(IntArg(spec, c->args[4], 4, &q.lookback));
  if (c->args.Present(5)) OT_RETURN_IF_ERROR(IntArg(spec, c->args[5], 5, &q.offset));
  return overtone::EvaluateInstantVector(c->vtab->base.db, matchers, q,
                                         [c](const SeriesInfo& s, int64_t ts, int64_t sample_ts, double v) {
                                           return c->Add(s, ts, sample_ts, v);
                                         });
}

Status EvaluateRangeFunction(PromCursor* c) {
  const Spec& spec = *c->vtab->spec;
  RangeFunctionQuery q;
  q.cancel = c->vtab->base.cancel;
  OT_ASSIGN_OR_RETURN(q.fn, ParseRangeFn(TextOf(c->args[0])));
  OT_ASSIGN_OR_RETURN(std::vector<LabelMatcher> matchers, c->args.Selector(1));
  OT_RETURN_IF_ERROR(IntArg(spec, c->args[2], 2, &q.start));
  OT_RETURN_IF_ERROR(IntArg(spec, c->args[3], 3, &q.end));
  OT_RETURN_IF_ERROR(IntArg(spec, c->args[4], 4, &q.step));
  OT_RETURN_IF_ERROR(IntArg(spec, c->args[5], 5, &q.range));
  if (c->args.Present(6)) OT_RETURN_IF_ERROR(IntArg(spec, c->args[6], 6, &q.offset));
  // A parameter given as NULL is NaN (SQLite's NaN).
  int params = RangeFnParams(q.fn);
  for (int a = 7; a < 9; ++a) {
    sqlite3_value* v = c->args[a];
    if (a - 7 >= params) {
      if (c->args.Present(a)) {
        return Status::InvalidArgument(std::string(RangeFnName(q.fn)) + " takes " + std::to_string(params) +
                                       " param(s)");
      }
      continue;
    }
    if (v == nullptr) {
      return Status::InvalidArgument(std::string(RangeFnName(q.fn)) + " needs " + std::to_string(params) +
                                     " numeric param(s)");
    }
    double d = sqlite3_value_type(v) == SQLITE_NULL ? std::nan("") : sqlite3_value_double(v);
    (a == 7 ? q.param : q.param2) = d;
  }
  return overtone::EvaluateRangeFunction(
      c->vtab->base.db, matchers, q,
      [c](const SeriesInfo& s, int64_t ts, double v) { return c->Add(s, ts, ts, v); });
}

Status Evaluate(PromCursor* c) {
  const Spec& spec = *c->vtab->spec;
  for (int a = 0; a < spec.required; ++a) {
    if (!c->args.Present(a)) {
      return Status::InvalidArgument(std::string(spec.usage) + ": " + spec.names[a] + " is missing");
    }
  }
  return c->vtab->kind == Kind::kInstantVector ? EvaluateInstantVector(c) : EvaluateRangeFunction(c);
}

Status PromCursor::Filter(int plan, int argc, sqlite3_value** argv) {
  Start(plan, vtab->spec->num_args, argc, argv);
  return Evaluate(this);
}

template <Kind kKind>
constexpr sqlite3_module MakeModule() {
  return CursorModule<PromCursor>(/*create=*/nullptr, Connect<kKind>, BestIndex, DisconnectTable<PromVtab>);
}

const sqlite3_module kInstantVectorModule = MakeModule<Kind::kInstantVector>();
const sqlite3_module kRangeFunctionModule = MakeModule<Kind::kRangeFunction>();

}  // namespace

const sqlite3_module* InstantVectorModule() { return &kInstantVectorModule; }
const sqlite3_module* RangeFunctionModule() { return &kRangeFunctionModule; }

}  // namespace overtone::sql
