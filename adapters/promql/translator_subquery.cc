// Subqueries: `f(expr[range:step])`.
//
// The inner expression is translated with a range of its own, as
// Prometheus evaluates it: steps aligned to multiples of the subquery step,
// from the first one after (start - offset - range) to (end - offset)
// (with `@ t`, t stands for start and end). Its points then feed the
// function through the prom_window() aggregate, one group per series and
// outer step over the window (t - offset - range, t - offset]:
//
//   SELECT i.labelset, 1 AS drop_name, steps.ts,
//          prom_window('rate', i.ts, i.value, steps.ts, steps.ts - w, 300000) AS raw
//   FROM steps JOIN inner AS i ON i.ts > w - 300000 AND i.ts <= w
//   GROUP BY i.labelset, steps.ts
//
// prom_window() returns the result's raw bits (NULL when the function has
// no value, e.g. rate() of one point), so that NaN stays apart from "none".
// That join is the way only for `@` and parameters that vary by step; else
// the inner points, packed once by prom_vector(), go to one
// subquery_window() call (sql/subquery_window_vtab.cc) that slides each
// series' window over its sorted points, without the join and its sort.
// Such a call at a query's root (maybe under operations with a number,
// applied as the points are unpacked) is subquery_window_series(), its
// values a row per series, as vector_series() gives a range function's.

#include <algorithm>
#include <optional>
#include <string_view>

#include "adapters/promql/functions.h"
#include "adapters/promql/translator_internal.h"

namespace overtone::promql {

Result<std::string> Translator::SubqueryInput(const Expr& sq, std::optional<SqlExpr>* source) {
  int64_t step = sq.step_ms > 0 ? sq.step_ms : r_.default_subquery_step;
  int64_t off = sq.offset_ms;
  int64_t first = (sq.at ? AtMs(*sq.at) : r_.start) - off;
  int64_t last = (sq.at ? AtMs(*sq.at) : r_.end) - off;
  // Prometheus's alignment, with Go's truncating division.
  int64_t lo = first - sq.range_ms;
  int64_t start = step * (lo / step);
  if (start <= lo) start += step;
  if (last < start) {  // no inner step at all: an empty vector
    SelectPtr s = VectorSelect(Text("{}"), Int(0), Int(0), Real(0));
    s->where = Bin("=", Int(0), Int(1));
    return Add("empty", s);
  }
  EvalRange inner = r_;
  inner.start = start;
  inner.end = last;
  inner.step = step;
  inner.instant = false;
  const Expr& body = sq.arg(0);
  return WithRange(inner, [&]() -> Result<std::string> {
    if (source != nullptr) {
      if (std::optional<std::vector<SqlExpr>> args = AggregateSource(body)) {
        auto s = std::make_shared<Select>();
        s->columns = {{Col("vector"), ""}};
        s->from = {TableFunction("vector_source", std::move(*args))};
        *source = Subquery(s);
        return std::string();
      }
    }
    return Vector(body);
  });
}

namespace {

constexpr std::string_view kOverTime = "_over_time";

// The function's name as subquery_window() and prom_window() know it: an
// `*_over_time` function's without the suffix; absent_over_time counts.
std::string WindowFnName(const std::string& name) {
  if (name == "absent_over_time") return "count";
  return name.ends_with(kOverTime) ? name.substr(0, name.size() - kOverTime.size()) : name;
}

// Whether the function's result keeps the metric name of its input.
bool KeepsName(const std::string& name) { return name == "last_over_time" || name == "first_over_time"; }

// A number written out, maybe in parentheses or signed: Scalar() gives it
// as a constant and adds no CTE for it.
bool IsNumberLiteral(const Expr& e) {
  const Expr& u = Unparen(e);
  return u.kind == Expr::Kind::kNumber || (u.kind == Expr::Kind::kUnary && IsNumberLiteral(u.arg(0)));
}

}  // namespace

std::optional<size_t> WindowedSubqueryArg(const Expr& e) {
  if (e.kind != Expr::Kind::kCall || e.text == "absent_over_time") return std::nullopt;
  const FunctionInfo* f = FindFunction(e.text);
  if (f == nullptr || !f->supported) return std::nullopt;
  std::optional<size_t> matrix_arg;
  for (size_t i = 0; i < e.args.size(); ++i) {
    if (e.arg(i).type() == ValueType::kMatrix) {
      matrix_arg = i;
    } else if (!IsNumberLiteral(e.arg(i))) {
      return std::nullopt;
    }
  }
  if (!matrix_arg || e.args.size() > 3) return std::nullopt;
  const Expr& sq = Unparen(e.arg(*matrix_arg));
  if (sq.kind != Expr::Kind::kSubquery || sq.at) return std::nullopt;
  return matrix_arg;
}

Result<std::vector<ScalarValue>> Translator::SubqueryParams(const Expr& call, size_t matrix_arg) {
  std::vector<ScalarValue> params;  // the scalar arguments, in order
  for (size_t i = 0; i < call.args.size(); ++i) {
    if (i == matrix_arg) continue;
    OT_ASSIGN_OR_RETURN(ScalarValue p, Scalar(call.arg(i)));
    params.push_back(std::move(p));
  }
  return params;
}

Result<std::vector<SqlExpr>> Translator::SubqueryWindowArgs(const Expr& call, size_t matrix_arg,
                                                            const std::vector<ScalarValue>& params) {
  const Expr& sq = Unparen(call.arg(matrix_arg));
  std::optional<SqlExpr> source;
  OT_ASSIGN_OR_RETURN(std::string input, SubqueryInput(sq, &source));
  // A selector or a range function of one comes packed from the engine.
  SqlExpr packed = source ? *source : nullptr;
  if (!source) {
    auto rows = std::make_shared<Select>();
    rows->columns = {{Fn("prom_vector", {Col("labelset"), Col("drop_name"), Col("ts"), Col("value")}), ""}};
    rows->from = {Ref(input)};
    packed = Subquery(rows);
  }
  std::vector<SqlExpr> args = {Text(WindowFnName(call.text)),
                               Int(r_.start),
                               Int(r_.end),
                               Int(r_.step),
                               Int(sq.range_ms),
                               Int(sq.offset_ms)};
  for (size_t i = 0; i < 2; ++i) args.push_back(i < params.size() ? params[i].at(Int(r_.start)) : Real(0));
  args.push_back(packed);
  return args;
}

Result<Translator::WindowSeries> Translator::SubqueryWindowSeries(const Expr& call, size_t matrix_arg) {
  OT_ASSIGN_OR_RETURN(std::vector<ScalarValue> params, SubqueryParams(call, matrix_arg));
  OT_ASSIGN_OR_RETURN(std::vector<SqlExpr> args, SubqueryWindowArgs(call, matrix_arg, params));
  return WindowSeries{TableFunction("subquery_window_series", std::move(args)), KeepsName(call.text)};
}

Result<std::string> Translator::SubqueryCall(const Expr& call, size_t matrix_arg) {
  const Expr& sq = Unparen(call.arg(matrix_arg));
  const std::string& name = call.text;
  bool absent = name == "absent_over_time";
  std::string fn = WindowFnName(name);
  bool keeps_name = KeepsName(name);
  OT_ASSIGN_OR_RETURN(std::vector<ScalarValue> params, SubqueryParams(call, matrix_arg));
  bool constant_params =
      std::all_of(params.begin(), params.end(), [](const ScalarValue& p) { return p.constant; });
  if (!sq.at && constant_params && params.size() <= 2) {
    // Every outer step in one subquery_window() call over the packed inner
    // points: no join of steps with points, no GROUP BY.
    OT_ASSIGN_OR_RETURN(std::vector<SqlExpr> args, SubqueryWindowArgs(call, matrix_arg, params));
    SelectPtr s =
        VectorSelect(Col("labelset"), keeps_name ? Col("drop_name") : Int(1), Col("ts"), Col("value"));
    s->from = {TableFunction("subquery_window", std::move(args))};
    std::string cte = Add(absent ? "counted" : fn, s);
    if (absent) return Absent(call.arg(matrix_arg), cte, true);
    return cte;
  }
  OT_ASSIGN_OR_RETURN(std::string input, SubqueryInput(sq));
  std::string steps = Steps();
  SqlExpr t = Col(steps, "ts");
  // The window ends at t - offset, or at @ - offset for every t; the
  // function's own offset argument is how far that is before t.
  SqlExpr window_end = sq.at          ? Int(AtMs(*sq.at) - sq.offset_ms)
                       : sq.offset_ms ? Bin("-", t, Int(sq.offset_ms))
                                      : t;
  SqlExpr offset = sq.at ? Bin("-", t, window_end) : Int(sq.offset_ms);
  std::vector<SqlExpr> args = {Text(fn), Col("i", "ts"), Col("i", "value"), t, offset, Int(sq.range_ms)};
  for (const ScalarValue& p : params) args.push_back(p.at(t));
  auto grouped = std::make_shared<Select>();
  grouped->columns = {{Col("i", "labelset"), "labelset"},
                      {keeps_name ? Fn("max", {Col("i", "drop_name")}) : Int(1), "drop_name"},
                      {t, "ts"},
                      {Fn("prom_window", std::move(args)), "raw"}};
  // Read once per outer step: materialized, not re-evaluated per step.
  grouped->from = {Ref(steps), Ref(input, "i", 2)};
  grouped->from[1].join = TableRef::Join::kInner;
  grouped->from[1].on = And(Bin(">", Col("i", "ts"), Bin("-", window_end, Int(sq.range_ms))),
                            Bin("<=", Col("i", "ts"), window_end));
  grouped->group_by = {Col("i", "labelset"), t};
  SelectPtr s = VectorSelect(Col("labelset"), Col("drop_name"), Col("ts"), Fn("prom_from_raw", {Col("raw")}));
  s->from = {DerivedTable(grouped, "g")};
  s->where = Bin("IS NOT", Col("raw"), sql::Null());
  std::string cte = Add(absent ? "counted" : fn, s);
  if (absent) return Absent(call.arg(matrix_arg), cte, true);
  return cte;
}

// An instant query of a subquery: its points in the window, as a matrix.
Result<Translation> Translator::RawSubquery(const Expr& sq) {
  if (r_.start != r_.end) {
    return Status::InvalidArgument(
        "invalid expression type \"range vector\" for range query, must be Scalar or instant Vector");
  }
  OT_ASSIGN_OR_RETURN(std::string input, SubqueryInput(sq));
  int64_t window_end = (sq.at ? AtMs(*sq.at) : r_.start) - sq.offset_ms;
  auto body = std::make_shared<Select>();
  body->columns = {
      {Fn("IIF", {Col("drop_name"), Fn("labels_drop", {Col("labelset"), Text("__name__")}), Col("labelset")}),
       "labelset"},
      {Col("ts"), ""},
      {Col("value"), ""}};
  body->from = {Ref(input)};
  body->where =
      And(Bin(">", Col("ts"), Int(window_end - sq.range_ms)), Bin("<=", Col("ts"), Int(window_end)));
  body->order_by = {{Col("labelset")}, {Col("ts")}};
  st_.body = body;
  for (sql::Cte& c : st_.ctes) {
    bool steps = std::find(step_ctes_.begin(), step_ctes_.end(), c.name) != step_ctes_.end();
    c.materialized = refs_[c.name] > 1 && !steps;
  }
  Translation out;
  out.statement = std::move(st_);
  out.selectors = std::move(selectors_);
  out.result_type = ValueType::kMatrix;
  return out;
}

}  // namespace overtone::promql
