// PromQL syntax tree -> one SQL statement over overtone's tables and
// table-valued functions (docs/PROMQL.md shows the mapping).
//
// Each PromQL node becomes a named CTE. A vector node's CTE has the columns
//   labelset   the series' label set with __name__ (sql/labelset_json.h)
//   drop_name  1 when __name__ is to be removed at the end (Prometheus's
//              delayed name removal: functions and arithmetic mark series,
//              the final SELECT drops the name)
//   ts         the evaluation step, ms
//   value      REAL, NULL for NaN
// with one row per series and step. A scalar is an SQL expression of the
// step's ts (a literal, ts / 1000.0 for time(), or a lookup in a
// per-step CTE for scalar(v)). An instant query is a range query with one
// step, so both share the plan; selectors and range functions become calls
// of instant_vector(), range_function() and over_time() with start, end
// and step. A selector is not written into the SQL: the statement has a
// parameter for it (?N, with the selector as a comment), and the caller
// binds Translation::selectors[N-1] as a selector pointer (sql/selector_arg.h).

#ifndef OVERTONE_ADAPTERS_PROMQL_TRANSLATOR_H_
#define OVERTONE_ADAPTERS_PROMQL_TRANSLATOR_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "adapters/promql/ast.h"
#include "adapters/promql/sql_ast.h"
#include "overtone/status.h"

namespace overtone::promql {

struct EvalRange {
  int64_t start = 0;  // ms
  int64_t end = 0;    // ms; == start for an instant query
  int64_t step = 1;   // ms, > 0
  int64_t lookback = 5 * 60 * 1000;
  bool instant = false;  // step() is 0 in an instant query
  // The step of a subquery without one (`x[1h:]`): Prometheus's global
  // evaluation_interval, 1m unless configured; promtool's unit tests use
  // the test file's evaluation_interval.
  int64_t default_subquery_step = 60 * 1000;
};

struct Translation {
  sql::Statement statement;
  // What the statement's rows are:
  //   kVector/kMatrix: (labelset, ts, value), names already dropped
  //   kScalar:         (ts, value)
  //   kString:         (value)
  // kMatrix for an instant query of a range selector: raw samples.
  ValueType result_type = ValueType::kVector;
  // kVector whose rows are (labelset, points) instead, one a series, its
  // points packed (sql/packed_points.h): a selector, range function or
  // `*_over_time` function at the root, evaluated by vector_series(), or
  // vector matching at the root, by vector_match_series().
  bool packed_points = false;
  // With packed_points: operations with a number applied to each point
  // in this order when unpacking (`x * 100 > 5`); a series left without
  // points is not in the result. The statement has already dropped
  // __name__ where they drop it.
  std::vector<ScalarOperation> point_operations;
  // The rows are in the order PromQL gives (sort, sort_desc, topk,
  // bottomk); otherwise they come in no particular order (the series'
  // rows need not even be together) and the caller orders the series by
  // labels and each series' points by time.
  bool ordered = false;
  // sort_by_label(_desc) at the root of an instant query: the caller sorts
  // by these labels' values (natural order), then by the whole label set.
  std::optional<std::vector<std::string>> sort_by_labels;
  bool sort_descending = false;
  // The matchers of the statement's parameters ?1, ?2, ...
  std::vector<std::vector<LabelMatcher>> selectors;

  std::string Sql() const { return sql::Print(statement); }
  // Sql() for a reader (ExplainQuery): after a comment line naming the
  // point_operations, when there are any, for they are not in the SQL.
  std::string Explain() const;
  // The same statement with its integers as parameters after the
  // selectors' (sql::PrintParameterized), their values in `*integers`: the
  // text a cache of prepared statements keys on.
  std::string ParameterizedSql(std::vector<int64_t>* integers) const {
    return sql::PrintParameterized(statement, static_cast<int>(selectors.size()) + 1, integers);
  }
};

// NotSupported (with the construct named) for PromQL outside the subset;
// InvalidArgument for queries Prometheus also rejects at evaluation.
Result<Translation> Translate(const Expr& root, const EvalRange& range);

}  // namespace overtone::promql

#endif  // OVERTONE_ADAPTERS_PROMQL_TRANSLATOR_H_
