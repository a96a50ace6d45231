// Aggregations: sum avg min max count group stddev stdvar quantile
// count_values as GROUP BY over the grouping labels and the step; topk,
// bottomk and limitk as a row_number() window per group and step;
// limit_ratio as a filter on each series' hash.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iterator>

#include "adapters/promql/translator_internal.h"
#include "overtone/types.h"

namespace overtone::promql {

Result<std::string> Translator::Aggregate(const Expr& agg) {
  const Expr& inner = agg.arg(agg.args.size() - 1);
  if (std::optional<std::string> cte = SelectorAggregate(agg, std::nullopt)) return *cte;
  OT_ASSIGN_OR_RETURN(std::string input, Vector(inner));
  std::optional<ScalarValue> param;
  std::string count_label;
  if (agg.agg_op == AggregateOp::kCountValues) {
    count_label = agg.arg(0).text;
    if (!IsValidLabelName(count_label)) {
      std::string escaped;
      for (unsigned char c : count_label) {
        if (c >= 0x20 && c < 0x7F) {
          escaped.push_back(static_cast<char>(c));
        } else {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          escaped += buf;
        }
      }
      return Status::Aborted("invalid label name \"" + escaped + "\"");
    }
  } else if (AggregateTakesParam(agg.agg_op)) {
    OT_ASSIGN_OR_RETURN(param, Scalar(agg.arg(0)));
  }
  SqlExpr labelset = Col("labelset");
  if (!count_label.empty())
    labelset = Fn("labels_set", {labelset, Text(count_label), Fn("prom_value_text", {Col("value")})});
  std::vector<std::string> names = agg.grouping;
  if (!count_label.empty() && !agg.without) names.push_back(count_label);
  SqlExpr key;
  if (agg.without) {
    names.insert(names.begin(), std::string(kMetricNameLabel));
    key = StringList("labels_drop", labelset, names);
  } else {
    key = names.empty() ? Text("{}") : StringList("labels_keep", labelset, names);
  }
  if (agg.agg_op == AggregateOp::kLimitRatio) return LimitRatio(input, *param);
  if (std::optional<std::string> cte = InVectorAggregate(agg, input, param)) return *cte;
  if (agg.agg_op == AggregateOp::kTopk || agg.agg_op == AggregateOp::kBottomk ||
      agg.agg_op == AggregateOp::kLimitk) {
    SqlExpr k;
    if (param->constant) {
      double kv = *param->constant;
      // Errors of a running query in Prometheus: Aborted (`execution`).
      if (std::isnan(kv)) return Status::Aborted("Parameter value is NaN");
      if (kv >= 9.2e18) return Status::Aborted("Scalar value " + std::to_string(kv) + " overflows int64");
      if (kv <= -9.2e18) return Status::Aborted("Scalar value " + std::to_string(kv) + " underflows int64");
      k = Int(static_cast<int64_t>(kv));
    } else {
      k = Fn("CAST", {Bin("AS", param->at(Col("r", "ts")), Col("INTEGER"))});
    }
    bool top = agg.agg_op == AggregateOp::kTopk;
    // limitk keeps any k series of a group: the first k by label set.
    std::vector<sql::OrderTerm> order = {{Bin("IS", Col("value"), Null()), false}, {Col("value"), top}};
    if (agg.agg_op == AggregateOp::kLimitk) order = {{Col("labelset"), false}};
    auto ranked = std::make_shared<Select>();
    ranked->columns = {{Col("*"), ""}, {Window("row_number", {}, {Col("ts"), key}, order), "rank"}};
    ranked->from = {Ref(input)};
    SelectPtr s = VectorSelect(Col("labelset"), Col("drop_name"), Col("ts"), Col("value"));
    s->from = {DerivedTable(ranked, "r")};
    s->where = Bin("<=", Col("rank"), k);
    return Add(AggregateOpName(agg.agg_op), s);
  }
  SqlExpr v = Col("value");
  SqlExpr value;
  switch (agg.agg_op) {
    case AggregateOp::kSum: value = Fn("prom_sum", {v}); break;
    case AggregateOp::kAvg: value = Fn("prom_avg", {v}); break;
    case AggregateOp::kMin: value = Fn("min", {v}); break;  // SQLite skips NULL (NaN) as Prometheus does
    case AggregateOp::kMax: value = Fn("max", {v}); break;
    case AggregateOp::kStddev: value = Fn("prom_stddev", {v}); break;
    case AggregateOp::kStdvar: value = Fn("prom_stdvar", {v}); break;
    case AggregateOp::kGroup: value = Real(1); break;
    case AggregateOp::kCount:
    case AggregateOp::kCountValues:
      value = Fn("CAST", {Bin("AS", Fn("count", {Col("*")}), Col("REAL"))});
      break;
    case AggregateOp::kQuantile: value = Fn("prom_quantile", {param->at(Col("v", "ts")), v}); break;
    default: return Status::NotSupported(std::string(AggregateOpName(agg.agg_op)) + " is not supported");
  }
  SqlExpr drop = agg.agg_op == AggregateOp::kCountValues ? Int(0) : Fn("max", {Col("drop_name")});
  SelectPtr s = VectorSelect(key, drop, Col("v", "ts"), value);
  s->from = {Ref(input, "v")};
  s->group_by = {key, Col("v", "ts")};
  return Add(AggregateOpName(agg.agg_op), s);
}

// sum avg min max count group stddev stdvar, and topk / bottomk with a
// constant k: one vector_aggregate() call over the packed input
// (sql/vector_aggregate.h), which groups each series once and folds per
// step over arrays. Nothing for the others, which GROUP BY in SQL.
std::optional<std::string> Translator::InVectorAggregate(const Expr& agg, const std::string& input,
                                                         const std::optional<ScalarValue>& param) {
  SqlExpr k = Int(0);
  switch (agg.agg_op) {
    case AggregateOp::kTopk:
    case AggregateOp::kBottomk:
      // A NaN or out-of-range k keeps its error from the SQL path.
      if (!param->constant || std::isnan(*param->constant) || std::abs(*param->constant) >= 9.2e18) {
        return std::nullopt;
      }
      k = Int(static_cast<int64_t>(*param->constant));
      break;
    case AggregateOp::kQuantile:
      // A q that varies by step, or NaN or ±Inf, takes the SQL path.
      if (!param->constant || !std::isfinite(*param->constant)) return std::nullopt;
      k = Real(*param->constant);
      break;
    default:
      if (!FoldsPerStep(agg.agg_op)) return std::nullopt;
  }
  std::string names;
  for (const std::string& n : agg.grouping) names += (names.empty() ? "" : ",") + n;
  auto packed = std::make_shared<Select>();
  packed->columns = {{Fn("prom_vector", {Col("labelset"), Col("drop_name"), Col("ts"), Col("value")}), ""}};
  packed->from = {Ref(input)};
  std::vector<SqlExpr> args = {Text(AggregateOpName(agg.agg_op)), Text(agg.without ? "without" : "by"),
                               Text(names), k, Subquery(packed)};
  SelectPtr s = VectorSelect(Col("labelset"), Col("drop_name"), Col("ts"), Col("value"));
  s->from = {TableFunction("vector_aggregate", std::move(args))};
  return Add(AggregateOpName(agg.agg_op), s);
}

namespace {

// The range functions and `*_over_time` functions selector_aggregate()
// evaluates itself (sql/vector_source.h).
bool EvaluatedInAggregate(const std::string& fn) {
  static const char* const kNames[] = {"rate",
                                       "irate",
                                       "increase",
                                       "delta",
                                       "idelta",
                                       "resets",
                                       "changes",
                                       "deriv",
                                       "predict_linear",
                                       "avg_over_time",
                                       "sum_over_time",
                                       "count_over_time",
                                       "min_over_time",
                                       "max_over_time",
                                       "stddev_over_time",
                                       "stdvar_over_time",
                                       "last_over_time",
                                       "present_over_time",
                                       "quantile_over_time"};
  return std::find(std::begin(kNames), std::end(kNames), fn) != std::end(kNames);
}

// A number literal (in parentheses or not) that is finite.
std::optional<double> FiniteLiteral(const Expr& e) {
  const Expr& x = Unparen(e);
  if (x.kind != Expr::Kind::kNumber || !std::isfinite(x.number)) return std::nullopt;
  return x.number;
}

}  // namespace

// The arguments of selector_aggregate() from fn to param when `e` is what
// it evaluates itself: a selector, or one of EvaluatedInAggregate() over a
// range selector, without `@` and with a literal parameter.
std::optional<std::vector<SqlExpr>> Translator::AggregateSource(const Expr& e) {
  const Expr& x = Unparen(e);
  if (x.kind == Expr::Kind::kVectorSelector) {
    if (x.at) return std::nullopt;
    return std::vector<SqlExpr>{Text("instant"), SelectorParam(x.matchers), Int(r_.start),    Int(r_.end),
                                Int(r_.step),    Int(r_.lookback),          Int(x.offset_ms), Null()};
  }
  if (x.kind != Expr::Kind::kCall || !EvaluatedInAggregate(x.text) || x.args.empty() || x.args.size() > 2) {
    return std::nullopt;
  }
  size_t matrix_arg = x.args.size() - 1;
  if (x.text == "predict_linear") matrix_arg = 0;
  const Expr& m = Unparen(x.arg(matrix_arg));
  if (m.kind != Expr::Kind::kMatrixSelector || m.arg(0).at) return std::nullopt;
  SqlExpr param = Null();
  if (x.args.size() == 2) {
    std::optional<double> p = FiniteLiteral(x.arg(matrix_arg == 0 ? 1 : 0));
    if (!p) return std::nullopt;
    param = Real(*p);
  }
  const Expr& vs = m.arg(0);
  return std::vector<SqlExpr>{
      Text(x.text),    SelectorParam(vs.matchers), Int(r_.start), Int(r_.end), Int(r_.step),
      Int(m.range_ms), Int(vs.offset_ms),          param};
}

// sum avg min max count group stddev stdvar, and topk / bottomk with a
// literal k, of what AggregateSource() takes: one selector_aggregate()
// call (sql/vector_aggregate_vtab.cc), in which the engine's points go
// straight into the fold. With `quantile`, histogram_quantile(quantile,
// the aggregation) in the same call.
std::optional<std::string> Translator::SelectorAggregate(const Expr& agg, std::optional<double> quantile) {
  SqlExpr k = Int(0);
  switch (agg.agg_op) {
    case AggregateOp::kTopk:
    case AggregateOp::kBottomk: {
      // Any other k keeps its error (or its evaluation per step) from the
      // other paths.
      std::optional<double> kv = FiniteLiteral(agg.arg(0));
      if (!kv || std::abs(*kv) >= 9.2e18) return std::nullopt;
      k = Int(static_cast<int64_t>(*kv));
      break;
    }
    case AggregateOp::kQuantile: {
      std::optional<double> q = FiniteLiteral(agg.arg(0));
      if (!q) return std::nullopt;
      k = Real(*q);
      break;
    }
    default:
      if (!FoldsPerStep(agg.agg_op)) return std::nullopt;
  }
  std::optional<std::vector<SqlExpr>> source = AggregateSource(agg.arg(agg.args.size() - 1));
  if (!source) return std::nullopt;
  std::string names;
  for (const std::string& n : agg.grouping) names += (names.empty() ? "" : ",") + n;
  std::vector<SqlExpr> args = {Text(AggregateOpName(agg.agg_op)), Text(agg.without ? "without" : "by"),
                               Text(names), k};
  args.insert(args.end(), source->begin(), source->end());
  if (quantile) args.push_back(Real(*quantile));
  SelectPtr s = VectorSelect(Col("labelset"), Col("drop_name"), Col("ts"), Col("value"));
  s->from = {TableFunction("selector_aggregate", std::move(args))};
  return Add(quantile ? "histogram_quantile" : AggregateOpName(agg.agg_op), s);
}

// limit_ratio(r, v): Prometheus's deterministic sample of series, the same
// for every group: a series is kept when its offset (its label-set hash
// scaled to [0, 1], prom_sample_offset) is below r, or for a negative r at
// or above 1 + r, so that limit_ratio(r) and limit_ratio(-(1 - r)) split
// the series between them. r is capped to [-1, 1]; 0 keeps nothing.
Result<std::string> Translator::LimitRatio(const std::string& input, const ScalarValue& param) {
  SqlExpr r;
  if (param.constant) {
    double rv = *param.constant;
    if (std::isnan(rv)) return Status::Aborted("Ratio value is NaN");
    r = Real(std::clamp(rv, -1.0, 1.0));
  } else {
    SqlExpr at = param.at(Col("ts"));
    r = Fn("IIF", {Bin("IS", at, Null()), Fn("prom_error", {Text("Ratio value is NaN")}),
                   Fn("prom_clamp", {at, Real(-1), Real(1)})});
  }
  // The labels the series has when it leaves the query: Prometheus hashes
  // the name only when it is still there.
  SqlExpr offset = Fn("prom_sample_offset",
                      {Fn("IIF", {Col("drop_name"), Fn("labels_drop", {Col("labelset"), Text("__name__")}),
                                  Col("labelset")})});
  auto sampled = std::make_shared<Select>();
  sampled->columns = {{Col("*"), ""}, {r, "ratio"}, {offset, "sample_offset"}};
  sampled->from = {Ref(input)};
  SelectPtr s = VectorSelect(Col("labelset"), Col("drop_name"), Col("ts"), Col("value"));
  s->from = {DerivedTable(sampled, "l")};
  s->where = Or(
      And(Bin(">=", Col("ratio"), Real(0)), Bin("<", Col("sample_offset"), Col("ratio"))),
      And(Bin("<", Col("ratio"), Real(0)), Bin(">=", Col("sample_offset"), Bin("+", Real(1), Col("ratio")))));
  return Add("limit_ratio", s);
}

}  // namespace overtone::promql
