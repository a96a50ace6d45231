// The translator's state, shared by translator.cc (selectors, functions,
// the final SELECT), translator_binary.cc (operators),
// translator_aggregate.cc and translator_subquery.cc.

#ifndef OVERTONE_ADAPTERS_PROMQL_TRANSLATOR_INTERNAL_H_
#define OVERTONE_ADAPTERS_PROMQL_TRANSLATOR_INTERNAL_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "adapters/promql/translator.h"

namespace overtone::promql {

// The SQL builders, so that building a query reads like the query.
using sql::And;
using sql::Bin;
using sql::Col;
using sql::DerivedTable;
using sql::Exists;
using sql::Fn;
using sql::Int;
using sql::Neg;
using sql::Not;
using sql::Null;
using sql::Or;
using sql::Real;
using sql::Select;
using sql::SelectPtr;
using sql::Subquery;
using sql::Table;
using sql::TableFunction;
using sql::TableRef;
using sql::Text;
using sql::Window;
using SqlExpr = sql::ExprPtr;

// A scalar: an SQL expression of the evaluation step's ts.
struct ScalarValue {
  std::function<sql::ExprPtr(const sql::ExprPtr& ts)> at;
  std::optional<double> constant;  // set when it does not vary with the step
  // scalar(v): the CTE of its value per step (ts, value), one row a step.
  std::string per_step = {};
};

class Translator {
 public:
  explicit Translator(const EvalRange& range) : r_(range) {}
  Result<Translation> Run(const Expr& root);

  // A vector node: the name of its CTE (labelset, drop_name, ts, value).
  Result<std::string> Vector(const Expr& e);
  Result<ScalarValue> Scalar(const Expr& e);

 private:
  Result<std::string> Selector(const Expr& vs, bool timestamp_value);
  Result<std::string> RangeCall(const Expr& call);
  Result<std::string> Call(const Expr& call);
  Result<std::string> Aggregate(const Expr& agg);
  std::optional<std::string> InVectorAggregate(const Expr& agg, const std::string& input,
                                               const std::optional<ScalarValue>& param);
  Result<std::string> LimitRatio(const std::string& input, const ScalarValue& param);
  // Aggregations of a selector or range function pushed into one
  // selector_aggregate() call (translator_aggregate.cc); nullopt when they
  // take the general path.
  std::optional<std::vector<sql::ExprPtr>> AggregateSource(const Expr& e);
  std::optional<std::string> SelectorAggregate(const Expr& agg, std::optional<double> quantile);
  Result<std::string> Absent(const Expr& arg, const std::string& input, bool drop_name);
  Result<std::string> Relabel(const Expr& call);
  // translator_histogram.cc
  Result<std::string> ClassicHistogram(const Expr& call);
  std::optional<std::string> HistogramOfRate(const Expr& call);
  Result<std::string> NativeHistogramOnly(const Expr& call);
  Result<std::string> VectorScalarBinary(const Expr& e);
  Result<std::string> VectorVectorBinary(const Expr& e);
  Result<std::string> SetOperation(const Expr& e);
  // Both of the above: one vector_match() call.
  Result<std::string> VectorMatch(const Expr& e);
  // The arguments of vector_match() and vector_match_series() for `e`.
  Result<std::vector<sql::ExprPtr>> VectorMatchArgs(const Expr& e);
  Result<ScalarValue> ScalarBinary(const Expr& e);
  Result<Translation> RawRange(const Expr& matrix);
  // Subqueries (translator_subquery.cc): the inner expression evaluated at
  // the subquery's own steps, and range functions over its points.
  // The inner expression's CTE; with `source`, an inner expression that is
  // one of AggregateSource()'s sets *source to its vector_source() operand
  // instead, and the CTE's name is empty.
  Result<std::string> SubqueryInput(const Expr& subquery, std::optional<SqlExpr>* source = nullptr);
  Result<std::string> SubqueryCall(const Expr& call, size_t matrix_arg);
  // The call's scalar arguments, in order, without the subquery.
  Result<std::vector<ScalarValue>> SubqueryParams(const Expr& call, size_t matrix_arg);
  // The arguments of subquery_window() and subquery_window_series() for
  // `call`. REQUIRES: one call evaluates it (no `@` on the subquery,
  // `params` constant, at most two).
  Result<std::vector<sql::ExprPtr>> SubqueryWindowArgs(const Expr& call, size_t matrix_arg,
                                                       const std::vector<ScalarValue>& params);
  // A query's root that WindowedSubqueryArg() accepts, as a row per series:
  // subquery_window_series() (labelset, drop_name, points), and whether the
  // function keeps the name where the input does (drop_name says).
  struct WindowSeries {
    sql::TableRef table;
    bool keeps_name;
  };
  Result<WindowSeries> SubqueryWindowSeries(const Expr& call, size_t matrix_arg);
  Result<Translation> RawSubquery(const Expr& subquery);

  // Adds a CTE named hint + a number and returns the name.
  std::string Add(const std::string& hint, sql::SelectPtr select);
  // A FROM entry reading a CTE; `weight` 2 marks a correlated use (read
  // once per outer row), which must be materialized.
  sql::TableRef Ref(const std::string& cte, const std::string& alias = "", int weight = 1);
  // The CTE of evaluation steps: start, start+step, ... <= end.
  std::string Steps();
  // Runs fn with `range` (and its own steps CTE) in place of the current one.
  Result<std::string> WithRange(const EvalRange& range, const std::function<Result<std::string>()>& fn);
  int64_t AtMs(const AtModifier& at) const;
  // The parameter that stands for a selector's matchers (one per distinct selector).
  SqlExpr SelectorParam(const std::vector<LabelMatcher>& matchers);

  EvalRange r_;
  sql::Statement st_;
  std::map<std::string, int> refs_;
  int next_id_ = 0;
  std::string steps_;                   // the current range's steps CTE, once made
  std::string steps_name_ = "steps";    // what to call it
  std::vector<std::string> step_ctes_;  // every steps CTE (cheap to count again: never MATERIALIZED)
  std::vector<std::vector<LabelMatcher>> selectors_;  // ?1, ?2, ...
};

// Helpers used by the translator's files.
// `e` without the parentheses around it.
const Expr& Unparen(const Expr& e);
sql::SelectPtr VectorSelect(sql::ExprPtr labelset, sql::ExprPtr drop_name, sql::ExprPtr ts,
                            sql::ExprPtr value);
// PromQL's value of `lhs op rhs` for arithmetic; the keep-condition for a
// comparison (Go's NaN semantics: NaN != x holds, other comparisons fail).
sql::ExprPtr Arithmetic(BinaryOp op, sql::ExprPtr lhs, sql::ExprPtr rhs);
sql::ExprPtr Comparison(BinaryOp op, sql::ExprPtr lhs, sql::ExprPtr rhs);
sql::ExprPtr BoolValue(sql::ExprPtr condition);  // 1.0 or 0.0
// `e` without the operations with a number on top of it (`x * 100 > 5`:
// x) and the functions of one value around it (`sqrt(x) * 2`: x), which go to
// *ops innermost first (translator_binary.cc).
const Expr& PeelScalarOperations(const Expr& e, std::vector<ScalarOperation>* ops);
// The index of the subquery argument when `e` is a function of a subquery
// that one subquery_window() call evaluates and whose other arguments are
// numbers written out (translator_subquery.cc); nullopt otherwise.
std::optional<size_t> WindowedSubqueryArg(const Expr& e);
// Whether `e` is an operator between two vectors (vector_match()).
bool IsVectorMatching(const Expr& e);
// histogram_count, histogram_sum, ...: functions of native histograms only.
bool IsNativeHistogramFunction(const std::string& name);
sql::ExprPtr StringList(const std::string& fn, sql::ExprPtr first, const std::vector<std::string>& names);

}  // namespace overtone::promql

#endif  // OVERTONE_ADAPTERS_PROMQL_TRANSLATOR_INTERNAL_H_
