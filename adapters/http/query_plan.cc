#include "adapters/http/query_plan.h"

#include <sqlite3.h>

#include <algorithm>
#include <string>
#include <string_view>

#include "overtone/sql.h"
#include "sql/sqlite_heap.h"

namespace overtone::adapters {
namespace {

// Denies everything but reading: SQLite checks each statement at prepare.
int ReadOnlyAuthorizer(void*, int action, const char* arg1, const char* arg2, const char*, const char*) {
  switch (action) {
    case SQLITE_SELECT:
    case SQLITE_READ:
    case SQLITE_RECURSIVE: return SQLITE_OK;
    case SQLITE_UPDATE:
      // Connecting an eponymous virtual table (samples, over_time, ...)
      // registers it in the in-memory schema; query_only still blocks any
      // write to a database.
      return arg1 && std::string_view(arg1) == "sqlite_master" ? SQLITE_OK : SQLITE_DENY;
    case SQLITE_FUNCTION: {
      std::string_view fn = arg2 ? arg2 : "";
      bool writes = fn == "delete_samples" || fn == "delete_series" || fn == "compact";
      return writes ? SQLITE_DENY : SQLITE_OK;
    }
    default: return SQLITE_DENY;
  }
}

}  // namespace

Result<std::unique_ptr<QueryConnection>> QueryConnection::Open(
    Database* db, bool read_only, const std::vector<std::function<Status(sqlite3*)>>& tables) {
  sqlite3* conn = nullptr;
  int rc = sqlite3_open_v2(":memory:", &conn, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_close(conn);
    return Status::Internal("opening an SQLite connection");
  }
  auto c = std::unique_ptr<QueryConnection>(new QueryConnection(conn, db->memory()));
  // A PromQL statement may sort its points (GROUP BY labels, ts): past
  // SQLite's default 2 MB the sorter spills to temporary files and merges
  // them back. Sort more in memory, within SQLite's share of the limit
  // (sql/sqlite_heap.h); larger sorts still spill, so memory stays bounded.
  const std::string cache_size =
      "PRAGMA cache_size = -" + std::to_string(sql::SqliteSortBytes(*db->memory()) >> 10);
  sqlite3_exec(conn, cache_size.c_str(), nullptr, nullptr, nullptr);
  OT_RETURN_IF_ERROR(RegisterSql(conn, db, c->cancel()));
  for (const auto& add_table : tables) OT_RETURN_IF_ERROR(add_table(conn));
  if (read_only) {
    sqlite3_exec(conn, "PRAGMA query_only = ON", nullptr, nullptr, nullptr);
    sqlite3_set_authorizer(conn, ReadOnlyAuthorizer, nullptr);
  }
  return c;
}

QueryConnection::~QueryConnection() {
  statements_.Clear();  // finalized before their connection closes
  sqlite3_close_v2(conn_);
}

void QueryConnection::StartRun(CancelToken::Clock::time_point deadline, const CancelToken* parent) {
  cancel_.Reset(deadline, parent);
  if (memory_->limited()) cancel_.LimitMemory(memory_->split().query_bytes, &memory_->queries());
}

int64_t EffectiveTimeout(int64_t requested_ms, const QueryApiOptions& options) {
  return requested_ms > 0 ? std::min(requested_ms, options.timeout_ms) : options.timeout_ms;
}

PromqlPlan PlanPromql(const InstantQueryRequest& request, const QueryApiOptions& options) {
  return PromqlPlan{request.query,
                    false,
                    request.time_ms,
                    request.time_ms,
                    0,
                    promql::QueryOptions{options.lookback_ms, EffectiveTimeout(request.timeout_ms, options)},
                    request.cancel};
}

PromqlPlan PlanPromql(const RangeQueryRequest& request, const QueryApiOptions& options) {
  return PromqlPlan{request.query,
                    true,
                    request.start_ms,
                    request.end_ms,
                    request.step_ms,
                    promql::QueryOptions{options.lookback_ms, EffectiveTimeout(request.timeout_ms, options)},
                    request.cancel};
}

Result<sql::Statement> PrepareReadOnly(sqlite3* conn, std::string_view sql) {
  const char* tail = nullptr;
  sql::Statement stmt;
  int rc = stmt.Compile(conn, sql, &tail);
  // SQLITE_AUTH: the authorizer of the read-only connection denied a write.
  if (rc == SQLITE_AUTH) return Status::InvalidArgument("read-only: only SELECT statements are allowed");
  if (rc != SQLITE_OK) return Status::InvalidArgument(sqlite3_errmsg(conn));
  if (!stmt) return Status::InvalidArgument("no SQL statement");
  if (!sqlite3_stmt_readonly(stmt.get()) ||
      std::string_view(tail).find_first_not_of(" \t\r\n;") != std::string_view::npos) {
    return Status::InvalidArgument("read-only: send one SELECT statement");
  }
  return stmt;
}

Result<SqlPlan> PlanSql(Database* db, const SqlRequest& request, const QueryApiOptions& options) {
  OT_ASSIGN_OR_RETURN(std::unique_ptr<QueryConnection> conn,
                      QueryConnection::Open(db, true, options.sql_tables));
  OT_ASSIGN_OR_RETURN(sql::Statement stmt, PrepareReadOnly(conn->get(), request.sql));
  return SqlPlan{std::move(conn), std::move(stmt), EffectiveTimeout(request.timeout_ms, options),
                 options.max_sql_rows, request.cancel};
}

}  // namespace overtone::adapters
