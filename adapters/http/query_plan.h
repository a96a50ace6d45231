// The query API's second step, plan: a parsed request (query_request.h)
// becomes what to run and under which limits.
//
//   PromQL  PlanPromql: the query, its times, and the server's lookback and
//           timeout (the request's `timeout`, at most the server's).
//   SQL     PlanSql: the statement prepared on a connection of its own that
//           SQLite itself keeps read-only (PRAGMA query_only and an
//           authorizer that admits nothing but reading: no INSERT into
//           samples, no delete_series(), no ATTACH). Anything but one
//           reading statement is refused here, before it runs.
//
// Errors are Status, as ApiError::FromStatus maps them (query_request.h).

#ifndef OVERTONE_ADAPTERS_HTTP_QUERY_PLAN_H_
#define OVERTONE_ADAPTERS_HTTP_QUERY_PLAN_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/http/query_request.h"
#include "adapters/promql/query.h"
#include "adapters/promql/statement_cache.h"
#include "overtone/database.h"
#include "overtone/status.h"
#include "sql/statement.h"

struct sqlite3;

namespace overtone::adapters {

struct QueryApiOptions {
  int64_t timeout_ms = 2 * 60 * 1000;  // Prometheus's default query timeout
  int64_t lookback_ms = 5 * 60 * 1000;
  size_t max_sql_rows = 1000000;  // /api/v1/sql answers at most this many rows
  std::string version = "0.1.0";  // for /api/v1/status/buildinfo

  // Only reported, by /api/v1/status/runtimeinfo and /api/v1/status/flags.
  int64_t start_time_ms = 0;                 // when the server started, Unix milliseconds
  std::map<std::string, std::string> flags;  // the command line's flags and their values
  std::string config_yaml;                   // /api/v1/status/config (status_pages.h)

  // Registered on every connection after overtone's own tables.
  std::vector<std::function<Status(sqlite3*)>> sql_tables;
};

// An in-memory SQLite connection with overtone registered (RegisterSql).
class QueryConnection {
 public:
  // `read_only`: the connection /api/v1/sql runs on (see above).
  // `tables` are registered too (QueryApiOptions::sql_tables).
  static Result<std::unique_ptr<QueryConnection>> Open(
      Database* db, bool read_only, const std::vector<std::function<Status(sqlite3*)>>& tables = {});
  ~QueryConnection();
  QueryConnection(const QueryConnection&) = delete;
  QueryConnection& operator=(const QueryConnection&) = delete;

  sqlite3* get() const { return conn_; }
  // The token overtone's tables on this connection check (RegisterSql): a
  // run Reset()s it with its deadline and its request's token as parent.
  CancelToken* cancel() { return &cancel_; }
  // Reset()s the token as cancel() says, then bounds the run's working
  // memory by the database's memory limit: the queries share for one query,
  // and the same share for all running together (overtone/memory.h).
  void StartRun(CancelToken::Clock::time_point deadline, const CancelToken* parent);
  // The PromQL statements prepared on this connection, kept for the next
  // query of the same shape (promql::QueryOptions::statements).
  promql::StatementCache* statements() { return &statements_; }

 private:
  QueryConnection(sqlite3* conn, MemoryAccountant* memory) : conn_(conn), memory_(memory) {}
  sqlite3* conn_;
  MemoryAccountant* memory_;
  CancelToken cancel_;
  promql::StatementCache statements_;
};

// The timeout a query runs with: the requested one when positive, at most
// the server's limit.
int64_t EffectiveTimeout(int64_t requested_ms, const QueryApiOptions& options);

struct PromqlPlan {
  std::string query;
  bool range;                         // query_range; else an instant query at start_ms
  int64_t start_ms, end_ms, step_ms;  // an instant query: start_ms == end_ms, step_ms 0
  promql::QueryOptions options;
  CancelToken* cancel = nullptr;  // the request's (QueryApiRequest::cancel)
};

PromqlPlan PlanPromql(const InstantQueryRequest& request, const QueryApiOptions& options);
PromqlPlan PlanPromql(const RangeQueryRequest& request, const QueryApiOptions& options);

// One reading statement, prepared on its own read-only connection.
struct SqlPlan {
  std::unique_ptr<QueryConnection> conn;
  sql::Statement stmt;  // declared after conn: finalized first
  int64_t timeout_ms;
  size_t max_rows;
  CancelToken* cancel = nullptr;  // the request's (QueryApiRequest::cancel)
};

// InvalidArgument for SQL that does not prepare, writes, or is more than one
// statement; the connection's error when it cannot be opened.
Result<SqlPlan> PlanSql(Database* db, const SqlRequest& request, const QueryApiOptions& options);

// PlanSql's checks on a connection the caller keeps (a read-only
// QueryConnection): `sql` as one reading statement, or InvalidArgument.
Result<sql::Statement> PrepareReadOnly(sqlite3* conn, std::string_view sql);

}  // namespace overtone::adapters

#endif  // OVERTONE_ADAPTERS_HTTP_QUERY_PLAN_H_
