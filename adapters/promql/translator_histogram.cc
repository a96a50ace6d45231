// Histogram functions over classic histograms, the only kind overtone
// stores: histogram_quantile and histogram_fraction group the `_bucket`
// series of each histogram (all labels but `le`, __name__ included, per
// step) into prom_histogram_quantile() / prom_histogram_fraction(), which do
// Prometheus's arithmetic (engine/classic_histogram.h). A group none of
// whose series has a bucket bound that reads as a number gives no series,
// as in Prometheus.
//
// histogram_count, histogram_sum, histogram_avg, histogram_stddev and
// histogram_stdvar read native histograms only: Prometheus skips float
// samples there, so over overtone's series they are empty (their arguments
// are still evaluated, errors and all).

#include <algorithm>
#include <cmath>

#include "adapters/promql/translator_internal.h"
#include "overtone/types.h"

namespace overtone::promql {

bool IsNativeHistogramFunction(const std::string& name) {
  return name == "histogram_count" || name == "histogram_sum" || name == "histogram_avg" ||
         name == "histogram_stddev" || name == "histogram_stdvar";
}

// histogram_quantile(q, v) and histogram_fraction(lower, upper, v).
Result<std::string> Translator::ClassicHistogram(const Expr& call) {
  // histogram_quantile(literal q, sum by (le) (rate(x_bucket[5m]))), the
  // panel's usual form: buckets summed and quantiles taken in one
  // selector_aggregate() call.
  if (const Expr& q = Unparen(call.arg(0)); call.text == "histogram_quantile" &&
                                            q.kind == Expr::Kind::kNumber && std::isfinite(q.number) &&
                                            Unparen(call.arg(1)).kind == Expr::Kind::kAggregate) {
    if (std::optional<std::string> cte = SelectorAggregate(Unparen(call.arg(1)), q.number)) return *cte;
  }
  if (std::optional<std::string> cte = HistogramOfRate(call)) return *cte;
  std::vector<ScalarValue> params;
  for (size_t i = 0; i + 1 < call.args.size(); ++i) {
    OT_ASSIGN_OR_RETURN(ScalarValue p, Scalar(call.arg(i)));
    params.push_back(std::move(p));
  }
  OT_ASSIGN_OR_RETURN(std::string input, Vector(call.arg(call.args.size() - 1)));
  SqlExpr key = Fn("labels_drop", {Col("v", "labelset"), Text("le")});
  SqlExpr ts = Col("v", "ts");
  std::vector<SqlExpr> args;
  for (const ScalarValue& p : params) args.push_back(p.at(ts));
  args.push_back(Fn("label_value", {Col("v", "labelset"), Text("le")}));
  args.push_back(Col("v", "value"));
  auto grouped = std::make_shared<Select>();
  grouped->columns = {{key, "labelset"}, {ts, "ts"}, {Fn("prom_" + call.text, std::move(args)), "raw"}};
  grouped->from = {Ref(input, "v")};
  // The step first: SQLite sorts the rows by these terms, and most pairs of
  // rows then differ in an integer instead of a long common prefix of text.
  grouped->group_by = {ts, key};
  SelectPtr s =
      VectorSelect(Col("h", "labelset"), Int(1), Col("h", "ts"), Fn("prom_from_raw", {Col("h", "raw")}));
  s->from = {DerivedTable(grouped, "h")};
  s->where = Bin("IS NOT", Col("h", "raw"), Null());
  return Add(call.text, s);
}

// histogram_quantile(literal q, rate(x_bucket[r])), also irate and
// increase, with the metric name matched exactly: the buckets are the
// rates themselves, which selector_aggregate() takes as the one series of
// each group of `sum without ()` (the identity: a group's first value is
// its sum, as Prometheus's aggregation starts it) and hands to the same
// quantile as above, instead of SQL grouping every row by its label set
// without `le`. Grouping drops __name__, the general path keeps it; with
// one name they are the same groups. These functions never give -0, which
// the identity sum would turn into 0.
std::optional<std::string> Translator::HistogramOfRate(const Expr& call) {
  const Expr& q = Unparen(call.arg(0));
  if (call.text != "histogram_quantile" || q.kind != Expr::Kind::kNumber || !std::isfinite(q.number)) {
    return std::nullopt;
  }
  const Expr& in = Unparen(call.arg(1));
  if (in.kind != Expr::Kind::kCall || (in.text != "rate" && in.text != "irate" && in.text != "increase") ||
      in.args.size() != 1 || Unparen(in.arg(0)).kind != Expr::Kind::kMatrixSelector) {
    return std::nullopt;
  }
  const std::vector<LabelMatcher>& matchers = Unparen(in.arg(0)).arg(0).matchers;
  bool one_name = std::any_of(matchers.begin(), matchers.end(), [](const LabelMatcher& m) {
    return m.type == MatchType::kEqual && m.name == kMetricNameLabel;
  });
  if (!one_name) return std::nullopt;
  std::optional<std::vector<SqlExpr>> source = AggregateSource(in);
  if (!source) return std::nullopt;
  std::vector<SqlExpr> args = {Text("sum"), Text("without"), Text(""), Int(0)};
  args.insert(args.end(), source->begin(), source->end());
  args.push_back(Real(q.number));
  SelectPtr s = VectorSelect(Col("labelset"), Col("drop_name"), Col("ts"), Col("value"));
  s->from = {TableFunction("selector_aggregate", std::move(args))};
  return Add("histogram_quantile", s);
}

Result<std::string> Translator::NativeHistogramOnly(const Expr& call) {
  OT_ASSIGN_OR_RETURN(std::string input, Vector(call.arg(0)));
  SelectPtr s = VectorSelect(Col("labelset"), Int(1), Col("ts"), Col("value"));
  s->from = {Ref(input)};
  s->where = Bin("=", Int(0), Int(1));
  return Add(call.text, s);
}

}  // namespace overtone::promql
