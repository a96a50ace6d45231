// Aggregations: sum avg min max count group stddev stdvar quantile
// count_values as GROUP BY over the grouping labels and the step, topk and
// bottomk as a row_number() window per group and step.

#include <cmath>
#include <cstdio>

#include "adapters/promql/translator_internal.h"
#include "overtone/types.h"

namespace overtone::promql {

Result<std::string> Translator::Aggregate(const Expr& agg) {
  const Expr& inner = agg.arg(agg.args.size() - 1);
  OT_ASSIGN_OR_RETURN(std::string input, Vector(inner));
  std::optional<ScalarValue> param;
  std::string count_label;
  if (agg.agg_op == AggregateOp::kCountValues) {
    count_label = agg.arg(0).text;
    if (!IsValidUtf8LabelName(count_label)) {
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
      return Status::InvalidArgument("invalid label name \"" + escaped + "\"");
    }
  } else if (AggregateTakesParam(agg.agg_op)) {
    OT_ASSIGN_OR_RETURN(param, Scalar(agg.arg(0)));
  }
  if (agg.agg_op == AggregateOp::kLimitk || agg.agg_op == AggregateOp::kLimitRatio) {
    return Status::NotSupported(std::string(AggregateOpName(agg.agg_op)) + " is not supported");
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
  if (agg.agg_op == AggregateOp::kTopk || agg.agg_op == AggregateOp::kBottomk) {
    SqlExpr k;
    if (param->constant) {
      double kv = *param->constant;
      if (std::isnan(kv)) return Status::InvalidArgument("Parameter value is NaN");
      if (kv >= 9.2e18)
        return Status::InvalidArgument("Scalar value " + std::to_string(kv) + " overflows int64");
      if (kv <= -9.2e18)
        return Status::InvalidArgument("Scalar value " + std::to_string(kv) + " underflows int64");
      k = Int(static_cast<int64_t>(kv));
    } else {
      k = Fn("CAST", {Bin("AS", param->at(Col("r", "ts")), Col("INTEGER"))});
    }
    bool top = agg.agg_op == AggregateOp::kTopk;
    auto ranked = std::make_shared<Select>();
    ranked->columns = {{Col("*"), ""},
                       {Window("row_number", {}, {Col("ts"), key},
                               {{Bin("IS", Col("value"), Null()), false}, {Col("value"), top}}),
                        "rank"}};
    ranked->from = {Ref(input)};
    SelectPtr s = VectorSelect(Col("labelset"), Col("drop_name"), Col("ts"), Col("value"));
    s->from = {DerivedTable(ranked, "r")};
    s->where = Bin("<=", Col("rank"), k);
    return Add(top ? "topk" : "bottomk", s);
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

}  // namespace overtone::promql
