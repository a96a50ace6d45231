// Selectors, functions, aggregations and the final SELECT. Operators are in
// translator_binary.cc.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "adapters/promql/functions.h"
#include "adapters/promql/translator_internal.h"
#include "overtone/matcher.h"
#include "overtone/types.h"
#include "sql/labelset_json.h"
#include "sql/promql_functions.h"

namespace overtone::promql {

const Expr& Unparen(const Expr& e) { return e.kind == Expr::Kind::kParen ? Unparen(e.arg(0)) : e; }

namespace {

// The label set of a row of `samples`, built per row.
SqlExpr LabelsetOf(const std::string& qualifier) {
  return qualifier.empty() ? Fn("labelset", {Col("metric"), Col("labels")})
                           : Fn("labelset", {Col(qualifier, "metric"), Col(qualifier, "labels")});
}

// The label set of a row of instant_vector, range_function or over_time:
// their hidden column, built once per series.
SqlExpr LabelsetCol(const std::string& qualifier) {
  return qualifier.empty() ? Col("labelset") : Col(qualifier, "labelset");
}

// Prometheus's createLabelsForAbsentFunction: the equality matchers' labels,
// except __name__ and labels matched more than once.
std::string AbsentLabels(const Expr& arg) {
  const Expr& a = Unparen(arg);
  const Expr* vs = a.kind == Expr::Kind::kVectorSelector   ? &a
                   : a.kind == Expr::Kind::kMatrixSelector ? &a.arg(0)
                                                           : nullptr;
  Labels labels;
  if (vs != nullptr) {
    std::vector<std::string> seen;
    for (const LabelMatcher& m : vs->matchers) {
      if (m.name == kMetricNameLabel) continue;
      bool again = std::find(seen.begin(), seen.end(), m.name) != seen.end();
      std::erase_if(labels, [&](const Label& l) { return l.name == m.name; });
      if (m.type == MatchType::kEqual && !again) labels.push_back(Label{m.name, m.value});
      seen.push_back(m.name);
    }
  }
  NormalizeLabels(&labels);
  return ::overtone::sql::LabelsetJson(labels);
}

struct DateFunction {
  std::string_view name;
  std::vector<std::string> modifiers;  // strftime format first
};

std::optional<DateFunction> FindDateFunction(std::string_view name) {
  static const DateFunction kDates[] = {
      {"minute", {"%M"}},       {"hour", {"%H"}},
      {"day_of_month", {"%d"}}, {"day_of_week", {"%w"}},
      {"day_of_year", {"%j"}},  {"month", {"%m"}},
      {"year", {"%Y"}},         {"days_in_month", {"%d", "start of month", "+1 month", "-1 day"}},
  };
  for (const DateFunction& d : kDates) {
    if (d.name == name) return d;
  }
  return std::nullopt;
}

SqlExpr DateValue(const DateFunction& d, SqlExpr epoch_seconds) {
  std::vector<SqlExpr> args = {Text(d.modifiers[0]), std::move(epoch_seconds), Text("unixepoch")};
  for (size_t i = 1; i < d.modifiers.size(); ++i) args.push_back(Text(d.modifiers[i]));
  return Fn("CAST", {Bin("AS", Fn("strftime", args), Col("REAL"))});
}

}  // namespace

SelectPtr VectorSelect(SqlExpr labelset, SqlExpr drop_name, SqlExpr ts, SqlExpr value) {
  auto s = std::make_shared<Select>();
  s->columns = {{std::move(labelset), "labelset"},
                {std::move(drop_name), "drop_name"},
                {std::move(ts), "ts"},
                {std::move(value), "value"}};
  return s;
}

SqlExpr StringList(const std::string& fn, SqlExpr first, const std::vector<std::string>& names) {
  std::vector<SqlExpr> args = {std::move(first)};
  for (const std::string& n : names) args.push_back(Text(n));
  return Fn(fn, std::move(args));
}

std::string Translator::Add(const std::string& hint, SelectPtr select) {
  std::string name = hint + std::to_string(++next_id_);
  st_.ctes.push_back(sql::Cte{name, {}, std::move(select), false});
  return name;
}

TableRef Translator::Ref(const std::string& cte, const std::string& alias, int weight) {
  refs_[cte] += weight;
  return Table(cte, alias);
}

Result<std::string> Translator::WithRange(const EvalRange& range,
                                          const std::function<Result<std::string>()>& fn) {
  EvalRange saved_range = r_;
  std::string saved_steps = steps_, saved_name = steps_name_;
  r_ = range;
  steps_.clear();
  steps_name_ = "substeps" + std::to_string(++next_id_);
  Result<std::string> out = fn();
  r_ = saved_range;
  steps_ = saved_steps;
  steps_name_ = saved_name;
  return out;
}

std::string Translator::Steps() {
  if (steps_.empty()) {
    steps_ = steps_name_;
    step_ctes_.push_back(steps_);
    // prom_steps() (sql/steps_vtab.cc) counts them: a recursive CTE cost
    // about a thousand instructions a step.
    auto steps = std::make_shared<Select>();
    steps->columns = {{Col("ts"), ""}};
    steps->from = {TableFunction("prom_steps", {Int(r_.start), Int(r_.end), Int(r_.step)})};
    st_.ctes.insert(st_.ctes.begin(), sql::Cte{steps_, {}, steps, false});
  }
  return steps_;
}

int64_t Translator::AtMs(const AtModifier& at) const {
  switch (at.kind) {
    case AtModifier::Kind::kStart: return r_.start;
    case AtModifier::Kind::kEnd: return r_.end;
    default: return at.ms;
  }
}

SqlExpr Translator::SelectorParam(const std::vector<LabelMatcher>& matchers) {
  auto it = std::find(selectors_.begin(), selectors_.end(), matchers);
  if (it == selectors_.end()) it = selectors_.insert(it, matchers);
  return sql::Param(it - selectors_.begin() + 1, overtone::ToString(matchers));
}

Result<std::string> Translator::Selector(const Expr& vs, bool timestamp_value) {
  std::vector<SqlExpr> args = {SelectorParam(vs.matchers)};
  SelectPtr s;
  if (!vs.at) {
    for (int64_t v : {r_.start, r_.end, r_.step, r_.lookback}) args.push_back(Int(v));
    if (vs.offset_ms != 0) args.push_back(Int(vs.offset_ms));
    SqlExpr value = timestamp_value ? Bin("/", Col("sample_ts"), Real(1000)) : Col("value");
    s = VectorSelect(LabelsetCol(""), Int(0), Col("ts"), value);
    s->from = {TableFunction("instant_vector", std::move(args))};
  } else {
    // `@`: one evaluation at the fixed time, repeated at every step.
    int64_t at = AtMs(*vs.at);
    for (int64_t v : {at, at, int64_t{1}, r_.lookback}) args.push_back(Int(v));
    if (vs.offset_ms != 0) args.push_back(Int(vs.offset_ms));
    SqlExpr value = timestamp_value ? Bin("/", Col("v", "sample_ts"), Real(1000)) : Col("v", "value");
    std::string steps = Steps();
    s = VectorSelect(LabelsetCol("v"), Int(0), Col(steps, "ts"), value);
    s->from = {TableFunction("instant_vector", std::move(args), "v"), Ref(steps)};
    s->from[1].join = TableRef::Join::kCross;
  }
  return Add("selector", s);
}

// rate(), *_over_time() and the other functions of a range vector.
Result<std::string> Translator::RangeCall(const Expr& call) {
  const std::string& name = call.text;
  size_t matrix_arg = 0;
  while (call.arg(matrix_arg).type() != ValueType::kMatrix) ++matrix_arg;
  const Expr& m = Unparen(call.arg(matrix_arg));
  if (m.kind == Expr::Kind::kSubquery) return SubqueryCall(call, matrix_arg);
  if (m.kind != Expr::Kind::kMatrixSelector) {
    return Status::NotSupported("range functions need a range selector such as x[5m]: " + ToString(call));
  }
  const Expr& vs = m.arg(0);
  SqlExpr selector = SelectorParam(vs.matchers);
  constexpr std::string_view kSuffix = "_over_time";
  bool over_time = name.size() > kSuffix.size() && name.ends_with(kSuffix) && name != "absent_over_time";
  bool absent = name == "absent_over_time";
  ScalarValue param;
  bool has_param = call.args.size() > 1;
  if (has_param) {
    OT_ASSIGN_OR_RETURN(param, Scalar(call.arg(matrix_arg == 0 ? 1 : 0)));
  }
  std::string fn = absent ? "count" : over_time ? name.substr(0, name.size() - kSuffix.size()) : name;
  std::string table = over_time || absent ? "over_time" : "range_function";
  bool keeps_name = name == "last_over_time" || name == "first_over_time";
  int64_t off = vs.offset_ms;
  SqlExpr value = Col("w", "value");
  if (has_param && param.constant && std::isnan(*param.constant) && fn == "quantile") {
    fn = "count";  // quantile(NaN) is NaN for every series that has samples
    value = Null();
    has_param = false;
  }
  // double_exponential_smoothing's trend factor.
  ScalarValue param2;
  bool has_param2 = call.args.size() > 2;
  if (has_param2) {
    OT_ASSIGN_OR_RETURN(param2, Scalar(call.arg(2)));
  }
  SqlExpr p2;  // its SQL, set before each call_args()
  // A call per step: for a parameter that varies, and for predict_linear
  // with `@` (its window is fixed but its intercept is each step's time).
  bool per_step_param =
      (has_param && !param.constant) || (has_param2 && !param2.constant) || (vs.at && fn == "predict_linear");
  auto call_args = [&](SqlExpr start, SqlExpr end, SqlExpr step, SqlExpr offset, SqlExpr p) {
    std::vector<SqlExpr> args = {Text(fn), selector};
    if (table == "over_time") {
      // over_time() knows no offset: shift its window instead.
      args.insert(args.end(), {std::move(start), std::move(end), std::move(step), Int(m.range_ms)});
      if (p) args.push_back(std::move(p));
    } else {
      args.insert(args.end(), {std::move(start), std::move(end), std::move(step), Int(m.range_ms)});
      if (offset || p) args.push_back(offset ? std::move(offset) : Int(0));
      if (p) args.push_back(std::move(p));
      if (p2) args.push_back(p2);
    }
    return args;
  };
  SqlExpr drop = Int(keeps_name ? 0 : 1);
  SelectPtr s;
  if (!vs.at && !per_step_param) {
    SqlExpr p = has_param ? Real(*param.constant) : nullptr;
    if (has_param2) p2 = Real(*param2.constant);
    std::vector<SqlExpr> args =
        table == "over_time"
            ? call_args(Int(r_.start - off), Int(r_.end - off), Int(r_.step), nullptr, p)
            : call_args(Int(r_.start), Int(r_.end), Int(r_.step), off ? Int(off) : nullptr, p);
    SqlExpr ts = table == "over_time" && off ? Bin("+", Col("w", "ts"), Int(off)) : Col("w", "ts");
    s = VectorSelect(LabelsetCol("w"), drop, ts, value);
    s->from = {TableFunction(table, std::move(args), "w")};
  } else {
    // Once per step: with `@` the window is fixed; a varying parameter
    // needs a call per step, correlated with the steps CTE.
    std::string steps = Steps();
    SqlExpr step_ts = Col(steps, "ts");
    SqlExpr p = has_param ? (param.constant ? Real(*param.constant) : param.at(step_ts)) : nullptr;
    if (has_param2) p2 = param2.constant ? Real(*param2.constant) : param2.at(step_ts);
    if (per_step_param && table == "over_time") {
      // over_time() takes no NULL (NaN) q; quantile(NaN) is NaN anyway.
      value = Fn("IIF", {Bin("IS", p, sql::Null()), sql::Null(), value});
      p = Fn("coalesce", {p, Real(0.5)});
    }
    std::vector<SqlExpr> args;
    if (table == "over_time") {
      SqlExpr t = vs.at ? Int(AtMs(*vs.at) - off) : Bin("-", step_ts, Int(off));
      args = call_args(t, t, Int(1), nullptr, p);
    } else if (vs.at) {
      // The window ends at @ - offset: evaluated at t, the offset is t - (@ - offset).
      int64_t window_end = AtMs(*vs.at) - off;
      SqlExpr t = per_step_param ? step_ts : Int(window_end);
      SqlExpr shifted = per_step_param ? Bin("-", step_ts, Int(window_end)) : Int(0);
      args = call_args(t, t, Int(1), shifted, p);
    } else {
      args = call_args(step_ts, step_ts, Int(1), off ? Int(off) : nullptr, p);
    }
    s = VectorSelect(LabelsetCol("w"), drop, step_ts, value);
    // CROSS JOIN keeps this order: a call that reads steps.ts must come
    // after steps; one that does not is evaluated once, before them.
    if (per_step_param) {
      s->from = {Ref(steps), TableFunction(table, std::move(args), "w")};
    } else {
      s->from = {TableFunction(table, std::move(args), "w"), Ref(steps)};
    }
    s->from[1].join = TableRef::Join::kCross;
  }
  std::string cte = Add(absent ? "counted" : fn, s);
  if (absent) return Absent(call.arg(0), cte, true);
  return cte;
}

// absent(): 1 with the selector's equality labels at each step where the
// input has no series.
Result<std::string> Translator::Absent(const Expr& arg, const std::string& input, bool drop_name) {
  std::string steps = Steps();
  auto probe = std::make_shared<Select>();
  probe->columns = {{Int(1), ""}};
  probe->from = {Ref(input, "", 2)};
  probe->where = Bin("=", Col(input, "ts"), Col(steps, "ts"));
  SelectPtr s = VectorSelect(Text(AbsentLabels(arg)), Int(drop_name ? 1 : 0), Col(steps, "ts"), Real(1));
  s->from = {Ref(steps)};
  s->where = Not(Exists(probe));
  return Add("absent", s);
}

// label_replace and label_join: new label sets, then Prometheus's check
// that no two series collide at a step. The label a call creates must have
// a name IsValidLabelName accepts (Prometheus 2.x's rule, the one remote
// write and import apply too); Prometheus fails such a query while
// running it, hence Aborted (`execution`).
Result<std::string> Translator::Relabel(const Expr& call) {
  OT_ASSIGN_OR_RETURN(std::string input, Vector(call.arg(0)));
  std::vector<SqlExpr> args = {Col("labelset")};
  for (size_t i = 1; i < call.args.size(); ++i) {
    const std::string& s = call.arg(i).text;
    if (call.text == "label_join" && i >= 3 && !IsValidLabelName(s)) {
      return Status::Aborted("invalid source label name in label_join(): " + s);
    }
    args.push_back(Text(s));
  }
  const std::string& dst = call.arg(1).text;
  if (!IsValidLabelName(dst)) {
    return Status::Aborted("invalid destination label name in " + call.text + "(): " + dst);
  }
  auto relabel = std::make_shared<Select>();
  relabel->columns = {{Fn(call.text, std::move(args)), "labelset"},
                      {Col("labelset"), "old_labelset"},
                      {Col("drop_name"), ""},
                      {Col("ts"), ""},
                      {Col("value"), ""}};
  relabel->from = {Ref(input)};
  std::string relabeled = Add("relabel", relabel);
  // Setting __name__ brings it back for good (unless the regex did not match).
  SqlExpr drop = dst == kMetricNameLabel
                     ? Fn("IIF", {Bin("=", Col("labelset"), Col("old_labelset")), Col("drop_name"), Int(0)})
                     : Col("drop_name");
  // The check that no two series collide at a step in C++ (vector_unique(),
  // sql/vector_unique_vtab.cc): a window function counting the rows of each
  // (ts, labelset) sorted every row by its label-set text.
  auto packed = std::make_shared<Select>();
  packed->columns = {{Fn("prom_vector", {Col("labelset"), drop, Col("ts"), Col("value")}), ""}};
  packed->from = {Ref(relabeled)};
  SelectPtr s = VectorSelect(Col("labelset"), Col("drop_name"), Col("ts"), Col("value"));
  s->from = {TableFunction("vector_unique", {Subquery(packed)})};
  return Add("unique", s);
}

Result<std::string> Translator::Call(const Expr& call) {
  const std::string& name = call.text;
  const FunctionInfo* f = FindFunction(name);
  if (f == nullptr || !f->supported) return Status::NotSupported("function " + name + "() is not supported");
  for (const ExprPtr& a : call.args) {
    if (a->type() == ValueType::kMatrix) return RangeCall(call);
  }
  if (name == "label_replace" || name == "label_join") return Relabel(call);
  if (name == "histogram_quantile" || name == "histogram_fraction") return ClassicHistogram(call);
  if (IsNativeHistogramFunction(name)) return NativeHistogramOnly(call);
  if (name == "vector") {
    OT_ASSIGN_OR_RETURN(ScalarValue sv, Scalar(call.arg(0)));
    std::string steps = Steps();
    SelectPtr s = VectorSelect(Text("{}"), Int(0), Col(steps, "ts"), sv.at(Col(steps, "ts")));
    s->from = {Ref(steps)};
    return Add("vector", s);
  }
  if (name == "timestamp" && Unparen(call.arg(0)).kind == Expr::Kind::kVectorSelector) {
    OT_ASSIGN_OR_RETURN(std::string sel, Selector(Unparen(call.arg(0)), /*timestamp_value=*/true));
    SelectPtr s = VectorSelect(Col("labelset"), Int(1), Col("ts"), Col("value"));
    s->from = {Ref(sel)};
    return Add("timestamp", s);
  }
  std::optional<DateFunction> date = FindDateFunction(name);
  if (date && call.args.empty()) {  // of the evaluation time itself
    std::string steps = Steps();
    SelectPtr s = VectorSelect(Text("{}"), Int(0), Col(steps, "ts"),
                               DateValue(*date, Bin("/", Col(steps, "ts"), Int(1000))));
    s->from = {Ref(steps)};
    return Add(name, s);
  }
  OT_ASSIGN_OR_RETURN(std::string input, Vector(call.arg(0)));
  // The order is the final SELECT's (sort) or the caller's (sort_by_label).
  if (name == "sort" || name == "sort_desc" || name == "sort_by_label" || name == "sort_by_label_desc")
    return input;
  if (name == "absent") return Absent(call.arg(0), input, false);
  std::vector<ScalarValue> params;
  for (size_t i = 1; i < call.args.size(); ++i) {
    OT_ASSIGN_OR_RETURN(ScalarValue p, Scalar(call.arg(i)));
    params.push_back(std::move(p));
  }
  SqlExpr ts = Col("v", "ts"), value = Col("v", "value");
  auto param = [&](size_t i) { return params[i].at(ts); };
  SqlExpr out;
  SqlExpr where;
  if (name == "timestamp") {
    out = Bin("/", ts, Real(1000));
  } else if (name == "round") {
    out = Fn("prom_round", {value, params.empty() ? Real(1) : param(0)});
  } else if (name == "clamp" || name == "clamp_min" || name == "clamp_max") {
    SqlExpr lo = name == "clamp_max" ? Real(-INFINITY) : param(0);
    SqlExpr hi = name == "clamp" ? param(1) : name == "clamp_max" ? param(0) : Real(INFINITY);
    out = Fn("prom_clamp", {value, lo, hi});
    if (name == "clamp") where = Bin("IS NOT", Bin("<", hi, lo), Int(1));  // max < min: no output
  } else if (date) {
    out = DateValue(*date, Fn("CAST", {Bin("AS", value, Col("INTEGER"))}));
  } else {
    out = Fn("prom_" + name, {value});
  }
  SelectPtr s = VectorSelect(Col("v", "labelset"), Int(1), ts, out);
  s->from = {Ref(input, "v")};
  s->where = where;
  return Add(name, s);
}

Result<std::string> Translator::Vector(const Expr& e) {
  switch (e.kind) {
    case Expr::Kind::kParen: return Vector(e.arg(0));
    case Expr::Kind::kVectorSelector: return Selector(e, false);
    case Expr::Kind::kCall: return Call(e);
    case Expr::Kind::kAggregate: return Aggregate(e);
    case Expr::Kind::kBinary:
      if (IsSetOperator(e.op)) return SetOperation(e);
      if (e.arg(0).type() == ValueType::kVector && e.arg(1).type() == ValueType::kVector) {
        return VectorVectorBinary(e);
      }
      return VectorScalarBinary(e);
    case Expr::Kind::kUnary: {
      OT_ASSIGN_OR_RETURN(std::string input, Vector(e.arg(0)));
      if (e.op == BinaryOp::kAdd) return input;
      SelectPtr s = VectorSelect(Col("labelset"), Int(1), Col("ts"), Neg(Col("value")));
      s->from = {Ref(input)};
      return Add("negated", s);
    }
    case Expr::Kind::kSubquery: return Status::NotSupported("subqueries are not supported: " + ToString(e));
    default: return Status::Internal(std::string("not an instant vector: ") + ValueTypeName(e.type()));
  }
}

Result<ScalarValue> Translator::Scalar(const Expr& e) {
  switch (e.kind) {
    case Expr::Kind::kNumber: {
      double v = e.number;
      return ScalarValue{[v](const SqlExpr&) { return Real(v); }, v};
    }
    case Expr::Kind::kParen: return Scalar(e.arg(0));
    case Expr::Kind::kUnary: {
      OT_ASSIGN_OR_RETURN(ScalarValue inner, Scalar(e.arg(0)));
      if (e.op == BinaryOp::kAdd) return inner;
      std::optional<double> c;
      if (inner.constant) c = -*inner.constant;
      auto at = inner.at;
      return ScalarValue{[at](const SqlExpr& ts) { return Neg(at(ts)); }, c};
    }
    case Expr::Kind::kBinary: return ScalarBinary(e);
    case Expr::Kind::kCall: {
      if (e.text == "time")
        return ScalarValue{[](const SqlExpr& ts) { return Bin("/", ts, Real(1000)); }, std::nullopt};
      if (e.text == "pi") return ScalarValue{[](const SqlExpr&) { return Real(M_PI); }, M_PI};
      if (e.text == "start" || e.text == "end" || e.text == "range" || e.text == "step") {
        double v = e.text == "start"   ? r_.start
                   : e.text == "end"   ? r_.end
                   : e.text == "range" ? r_.end - r_.start
                   : r_.instant        ? 0
                                       : r_.step;
        v /= 1000;
        return ScalarValue{[v](const SqlExpr&) { return Real(v); }, v};
      }
      if (e.text == "min_of" || e.text == "max_of") {
        OT_ASSIGN_OR_RETURN(ScalarValue a, Scalar(e.arg(0)));
        OT_ASSIGN_OR_RETURN(ScalarValue b, Scalar(e.arg(1)));
        bool min = e.text == "min_of";
        std::optional<double> c;
        if (a.constant && b.constant) {
          double x = *a.constant, y = *b.constant;
          c = std::isnan(x) || std::isnan(y) ? NAN : min ? std::min(x, y) : std::max(x, y);
        }
        auto aat = a.at, bat = b.at;
        // Go's math.Min/Max through prom_clamp: clamp(a, -Inf, b) = Min(a, b).
        return ScalarValue{[=](const SqlExpr& ts) {
                             return min ? Fn("prom_clamp", {aat(ts), Real(-INFINITY), bat(ts)})
                                        : Fn("prom_clamp", {aat(ts), bat(ts), Real(INFINITY)});
                           },
                           c};
      }
      if (e.text == "scalar") {
        OT_ASSIGN_OR_RETURN(std::string input, Vector(e.arg(0)));
        // Every step, with the vector's rows at it counted: the steps and
        // the rows in one GROUP BY (one sort), not a join that scans the
        // grouped rows once per step.
        std::string steps = Steps();
        auto each_step = std::make_shared<Select>();
        each_step->columns = {{Col(steps, "ts"), "ts"}, {Int(0), "n"}, {Null(), "value"}};
        each_step->from = {Ref(steps)};
        auto rows = std::make_shared<Select>();
        rows->columns = {{Col("ts"), ""}, {Int(1), ""}, {Col("value"), ""}};
        rows->from = {Ref(input)};
        each_step->union_all = rows;
        auto s = std::make_shared<Select>();
        s->columns = {{Col("g", "ts"), "ts"},
                      {Fn("IIF", {Bin("=", Fn("sum", {Col("g", "n")}), Int(1)),
                                  Fn("max", {Col("g", "value")}), Null()}),
                       "value"}};
        s->from = {DerivedTable(each_step, "g")};
        s->group_by = {Col("g", "ts")};
        std::string cte = Add("scalar", s);
        refs_[cte] += 2;  // read once per outer row
        return ScalarValue{[cte](const SqlExpr& ts) {
                             auto lookup = std::make_shared<Select>();
                             lookup->columns = {{Col(cte, "value"), ""}};
                             lookup->from = {Table(cte)};
                             lookup->where = Bin("=", Col(cte, "ts"), ts);
                             return Subquery(lookup);
                           },
                           std::nullopt, cte};
      }
      return Status::NotSupported("function " + e.text + "() is not supported");
    }
    default: return Status::Internal(std::string("not a scalar: ") + ValueTypeName(e.type()));
  }
}

// An instant query of a range selector: its raw samples.
Result<Translation> Translator::RawRange(const Expr& m) {
  const Expr& vs = m.arg(0);
  int64_t t = (vs.at ? AtMs(*vs.at) : r_.start) - vs.offset_ms;
  auto s = std::make_shared<Select>();
  s->columns = {{LabelsetOf(""), "labelset"}, {Col("ts"), ""}, {Col("value"), ""}};
  s->from = {Table("samples")};
  s->where = And(And(And(Bin("=", Col("selector"), SelectorParam(vs.matchers)),
                         Bin(">", Col("ts"), Int(t - m.range_ms))),
                     Bin("<=", Col("ts"), Int(t))),
                 Bin("<>", Fn("value_kind", {Col("raw")}), Text("stale")));
  s->order_by = {{Col("series_id")}, {Col("ts")}};
  st_.body = s;
  Translation out;
  out.statement = std::move(st_);
  out.selectors = std::move(selectors_);
  out.result_type = ValueType::kMatrix;
  return out;
}

Result<Translation> Translator::Run(const Expr& root_in) {
  const Expr& root = Unparen(root_in);
  Translation out;
  out.result_type = root.type();
  auto body = std::make_shared<Select>();
  switch (out.result_type) {
    case ValueType::kString: body->columns = {{Text(root.text), "value"}}; break;
    case ValueType::kScalar: {
      OT_ASSIGN_OR_RETURN(ScalarValue sv, Scalar(root));
      if (!sv.per_step.empty()) {
        // scalar(v) at the root: its rows as they are, not a lookup a step.
        body->columns = {{Col(sv.per_step, "ts"), "ts"}, {Col(sv.per_step, "value"), "value"}};
        body->from = {Ref(sv.per_step)};
        body->order_by = {{Col("ts")}};
        break;
      }
      std::string steps = Steps();
      body->columns = {{Col(steps, "ts"), "ts"}, {sv.at(Col(steps, "ts")), "value"}};
      body->from = {Ref(steps)};
      body->order_by = {{Col("ts")}};
      break;
    }
    case ValueType::kMatrix:
      if (root.kind == Expr::Kind::kSubquery) return RawSubquery(root);
      if (r_.start != r_.end) {
        return Status::InvalidArgument(
            "invalid expression type \"range vector\" for range query, must be Scalar or instant Vector");
      }
      return RawRange(root);
    case ValueType::kVector: {
      std::vector<ScalarOperation> operations;
      const Expr& source_expr = PeelScalarOperations(root, &operations);
      if (std::optional<std::vector<SqlExpr>> source = AggregateSource(source_expr)) {
        // A row per series rather than per point: SQLite's work and the
        // name's removal once per series (sql/vector_series_vtab.cc). The
        // operations with a number on top go to the caller, applied as it
        // unpacks the points (query.cc).
        if (std::any_of(operations.begin(), operations.end(), DropsMetricName)) {
          body->columns = {{Fn("labels_drop", {Col("labelset"), Text("__name__")}), "labelset"}};
        } else {
          body->columns = {{Col("labelset"), ""}};
        }
        body->columns.push_back({Col("points"), ""});
        body->from = {TableFunction("vector_series", std::move(*source))};
        out.packed_points = true;
        out.point_operations = std::move(operations);
        break;
      }
      if (std::optional<size_t> matrix_arg = WindowedSubqueryArg(source_expr)) {
        // The same for a function of a subquery: subquery_window_series()
        // gives its values a series a row, the name dropped per series.
        OT_ASSIGN_OR_RETURN(WindowSeries windows, SubqueryWindowSeries(source_expr, *matrix_arg));
        SqlExpr dropped = Fn("labels_drop", {Col("labelset"), Text("__name__")});
        bool drops =
            !windows.keeps_name || std::any_of(operations.begin(), operations.end(), DropsMetricName);
        body->columns = {
            {drops ? dropped : Fn("IIF", {Col("drop_name"), dropped, Col("labelset")}), "labelset"},
            {Col("points"), ""}};
        body->from = {std::move(windows.table)};
        out.packed_points = true;
        out.point_operations = std::move(operations);
        break;
      }
      if (IsVectorMatching(source_expr)) {
        // The same for vector matching at the root: vector_match_series()
        // gives its answer a series a row, the name dropped per series.
        OT_ASSIGN_OR_RETURN(std::vector<SqlExpr> args, VectorMatchArgs(source_expr));
        SqlExpr dropped = Fn("labels_drop", {Col("labelset"), Text("__name__")});
        body->columns = {{std::any_of(operations.begin(), operations.end(), DropsMetricName)
                              ? dropped
                              : Fn("IIF", {Col("drop_name"), dropped, Col("labelset")}),
                          "labelset"},
                         {Col("points"), ""}};
        body->from = {TableFunction("vector_match_series", std::move(args))};
        out.packed_points = true;
        out.point_operations = std::move(operations);
        break;
      }
      OT_ASSIGN_OR_RETURN(std::string result, Vector(root));
      body->columns = {{Fn("IIF", {Col("drop_name"), Fn("labels_drop", {Col("labelset"), Text("__name__")}),
                                   Col("labelset")}),
                        "labelset"},
                       {Col("ts"), ""},
                       {Col("value"), ""}};
      body->from = {Ref(result)};
      bool instant = r_.start == r_.end;
      bool sort_call = root.kind == Expr::Kind::kCall && (root.text == "sort" || root.text == "sort_desc");
      bool k_agg = root.kind == Expr::Kind::kAggregate &&
                   (root.agg_op == AggregateOp::kTopk || root.agg_op == AggregateOp::kBottomk);
      bool by_label = root.kind == Expr::Kind::kCall && root.text.rfind("sort_by_label", 0) == 0;
      if (instant && by_label) {
        out.sort_by_labels.emplace();
        for (size_t i = 1; i < root.args.size(); ++i) out.sort_by_labels->push_back(root.arg(i).text);
        out.sort_descending = root.text == "sort_by_label_desc";
        out.ordered = true;
      }
      if (instant && (sort_call || k_agg)) {
        bool desc = (sort_call && root.text == "sort_desc") || (k_agg && root.agg_op == AggregateOp::kTopk);
        body->order_by = {{Bin("IS", Col("value"), Null())}, {Col("value"), desc}};
        out.ordered = true;
      }
      // Otherwise no ORDER BY: the caller groups rows by label set, orders
      // each series' points and the series by labels (query.cc), so sorting
      // every row in SQLite first was only cost.
      break;
    }
    default: return Status::InvalidArgument("expression has no value");
  }
  st_.body = body;
  for (sql::Cte& c : st_.ctes) {
    bool steps = std::find(step_ctes_.begin(), step_ctes_.end(), c.name) != step_ctes_.end();
    c.materialized = refs_[c.name] > 1 && !steps;
  }
  out.statement = std::move(st_);
  out.selectors = std::move(selectors_);
  return out;
}

std::string Translation::Explain() const {
  if (point_operations.empty()) return Sql();
  std::string out = "-- applied to each point as the rows are unpacked, in order:";
  const char* sep = " ";
  for (const ScalarOperation& op : point_operations) {
    out += sep + ScalarOperationText(op);
    sep = ", ";
  }
  return out + "\n" + Sql();
}

Result<Translation> Translate(const Expr& root, const EvalRange& range) {
  if (range.step <= 0)
    return Status::InvalidArgument("zero or negative query resolution step widths are not accepted");
  if (range.end < range.start) return Status::InvalidArgument("end timestamp must not be before start time");
  Translator t(range);
  return t.Run(root);
}

}  // namespace overtone::promql
