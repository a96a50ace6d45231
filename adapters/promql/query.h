// Evaluating PromQL: parse, translate to one SQL statement, run it on an
// SQLite connection with overtone registered (overtone::RegisterSql), and
// assemble Prometheus's result shapes.
//
//   Result<QueryResult> r = RunInstantQuery(session->conn(), "sum(rate(x[5m]))", now_ms);
//   Result<QueryResult> m = RunRangeQuery(conn, "up", start_ms, end_ms, 15000);
//
// Errors keep Prometheus's categories in the Status code:
//   InvalidArgument  bad_data: the query does not parse or type-check
//   NotSupported     outside overtone's PromQL subset (named in the message)
//   Aborted          execution: evaluation failed (e.g. many-to-many matching)
//   Busy             timeout: the time limit passed
//   others           internal

#ifndef OVERTONE_ADAPTERS_PROMQL_QUERY_H_
#define OVERTONE_ADAPTERS_PROMQL_QUERY_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/promql/ast.h"
#include "overtone/cancel.h"
#include "overtone/status.h"
#include "overtone/types.h"
#include "sql/statement.h"

namespace overtone::promql {

class PlanCache;
class StatementCache;

struct Point {
  int64_t ts;    // ms
  double value;  // NaN included
};

struct Series {
  Labels labels;  // with __name__ where the result keeps it
  std::vector<Point> points;
};

struct QueryResult {
  // kVector (instant query), kMatrix (range query, or an instant query of a
  // range selector), kScalar (instant query of a scalar) or kString.
  ValueType type = ValueType::kVector;
  std::vector<Series> series;  // kVector: one point per series
  Point scalar{0, 0};          // kScalar
  std::string string_value;    // kString
  std::string sql;             // the statement that ran
};

struct QueryOptions {
  int64_t lookback_ms = 5 * 60 * 1000;
  int64_t timeout_ms = 0;  // 0: none; ignored with `cancel`, which carries its own deadline
  // The caller's token (Reset with the query's deadline): cancelling it stops
  // the query, with Busy for its deadline and its status() for the rest.
  const CancelToken* cancel = nullptr;
  // The step of a subquery that names none (EvalRange::default_subquery_step).
  int64_t default_subquery_step_ms = 60 * 1000;
  // The connection's prepared statements (statement_cache.h): with one, a
  // query runs as its parameterized SQL, prepared once per shape.
  StatementCache* statements = nullptr;
  // The server's translated queries (plan_cache.h), used with `statements`:
  // a query of a shape seen before is not parsed or translated again.
  PlanCache* plans = nullptr;
};

// Prometheus's resolution limit for range queries.
inline constexpr int64_t kMaxPointsPerSeries = 11000;

Result<QueryResult> RunInstantQuery(sqlite3* conn, std::string_view query, int64_t time_ms,
                                    const QueryOptions& options = {});
Result<QueryResult> RunRangeQuery(sqlite3* conn, std::string_view query, int64_t start_ms, int64_t end_ms,
                                  int64_t step_ms, const QueryOptions& options = {});

// The SQL a query runs as, without running it.
Result<std::string> ExplainQuery(std::string_view query, int64_t start_ms, int64_t end_ms, int64_t step_ms,
                                 const QueryOptions& options = {});

// Prepares the SQL of a translation (Translation::Sql()) on `conn`.
// NotSupported when the query is too deeply nested for SQLite's limits;
// Internal for any other failure, which is a translation bug.
Result<::overtone::sql::Statement> PrepareTranslation(sqlite3* conn, const std::string& sql);

// Prometheus's ordering of label sets (labels.Compare).
bool LabelsLess(const Labels& a, const Labels& b);

// Prometheus's float formatting in its JSON API (Go's 'f', -1): the
// shortest decimal that reads back exactly, "NaN", "+Inf", "-Inf".
std::string FormatValue(double v);

}  // namespace overtone::promql

#endif  // OVERTONE_ADAPTERS_PROMQL_QUERY_H_
