// The query API's third step, run: a plan (query_plan.h) or a parsed
// request (query_request.h) against the database, giving plain results for
// the render step (query_render.h). Errors are Status, as
// ApiError::FromStatus maps them.

#ifndef OVERTONE_ADAPTERS_HTTP_QUERY_RUN_H_
#define OVERTONE_ADAPTERS_HTTP_QUERY_RUN_H_

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "adapters/http/query_plan.h"
#include "adapters/http/query_request.h"
#include "adapters/promql/query.h"
#include "overtone/database.h"
#include "overtone/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace overtone::adapters {

// Evaluates the plan on `conn` (a QueryConnection). An instant query's
// string result carries the query's time.
Result<promql::QueryResult> RunPromql(sqlite3* conn, const PromqlPlan& plan);

// The series matching any selector with a sample in [start, end], in
// Prometheus's order of label sets.
Result<std::vector<SeriesInfo>> FindSeries(Database* db, const SeriesRequest& request);

// Label names, or one label's values, sorted: of every series when the
// request has no selectors, else of the series FindSeries would give.
Result<std::vector<std::string>> FindLabels(Database* db, const LabelsRequest& request);

// A cell of an SQL result: NULL, INTEGER, REAL, or TEXT (BLOBs as text).
using SqlValue = std::variant<std::monostate, int64_t, double, std::string>;

struct SqlTable {
  std::vector<std::string> columns;
  std::vector<std::vector<SqlValue>> rows;
};

// Steps the planned statement to its end. Aborted (execution) when it fails
// while running or gives more than plan->max_rows rows; Busy (timeout) when
// plan->timeout_ms passes.
Result<SqlTable> RunSql(SqlPlan* plan);

// The same for a statement of `conn` that the caller keeps: reset first,
// so that it can run again. The connection's cancel token is armed with the
// time limit and `request_cancel` (may be null) as its parent.
Result<SqlTable> RunStatement(QueryConnection* conn, sqlite3_stmt* stmt, int64_t timeout_ms, size_t max_rows,
                              CancelToken* request_cancel = nullptr);

}  // namespace overtone::adapters

#endif  // OVERTONE_ADAPTERS_HTTP_QUERY_RUN_H_
