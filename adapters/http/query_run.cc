#include "adapters/http/query_run.h"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "overtone/sql.h"
#include "sql/sqlite_heap.h"

namespace overtone::adapters {
namespace {

// The series matching any of `selectors` that have a sample in [start, end].
Result<std::vector<SeriesInfo>> MatchSeries(Database* db,
                                            const std::vector<std::vector<LabelMatcher>>& selectors,
                                            int64_t start, int64_t end) {
  std::map<SeriesId, SeriesInfo> found;
  for (const std::vector<LabelMatcher>& matchers : selectors) {
    OT_ASSIGN_OR_RETURN(std::vector<SeriesInfo> series, db->Select(matchers));
    for (SeriesInfo& s : series) {
      if (found.count(s.id)) continue;
      auto it = db->Scan(s.id, start, end);
      if (!it.ok() || !(*it)->Valid()) continue;
      found.emplace(s.id, std::move(s));
    }
  }
  std::vector<SeriesInfo> out;
  for (auto& [id, s] : found) out.push_back(std::move(s));
  return out;
}

SqlValue Cell(sqlite3_stmt* stmt, int i) {
  switch (sqlite3_column_type(stmt, i)) {
    case SQLITE_INTEGER: return sqlite3_column_int64(stmt, i);
    case SQLITE_FLOAT: return sqlite3_column_double(stmt, i);
    case SQLITE_NULL: return std::monostate{};
    default: {
      const char* t = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
      return std::string(t ? t : "");
    }
  }
}

}  // namespace

Result<promql::QueryResult> RunPromql(sqlite3* conn, const PromqlPlan& plan) {
  if (plan.range) {
    return promql::RunRangeQuery(conn, plan.query, plan.start_ms, plan.end_ms, plan.step_ms, plan.options);
  }
  OT_ASSIGN_OR_RETURN(promql::QueryResult r,
                      promql::RunInstantQuery(conn, plan.query, plan.start_ms, plan.options));
  if (r.type == promql::ValueType::kString) r.scalar.ts = plan.start_ms;
  return r;
}

Result<std::vector<SeriesInfo>> FindSeries(Database* db, const SeriesRequest& request) {
  OT_ASSIGN_OR_RETURN(std::vector<SeriesInfo> series,
                      MatchSeries(db, request.selectors, request.start_ms, request.end_ms));
  std::sort(series.begin(), series.end(),
            [](const SeriesInfo& a, const SeriesInfo& b) { return promql::LabelsLess(a.labels, b.labels); });
  return series;
}

Result<std::vector<std::string>> FindLabels(Database* db, const LabelsRequest& request) {
  if (request.selectors.empty()) return request.name ? db->LabelValues(*request.name) : db->LabelNames();
  OT_ASSIGN_OR_RETURN(std::vector<SeriesInfo> series,
                      MatchSeries(db, request.selectors, request.start_ms, request.end_ms));
  std::set<std::string> out;
  for (const SeriesInfo& s : series) {
    for (const Label& l : s.labels) {
      if (!request.name) {
        out.insert(l.name);
      } else if (l.name == *request.name) {
        out.insert(l.value);
      }
    }
  }
  return std::vector<std::string>(out.begin(), out.end());
}

Result<SqlTable> RunSql(SqlPlan* plan) {
  return RunStatement(plan->conn.get(), plan->stmt.get(), plan->timeout_ms, plan->max_rows, plan->cancel);
}

Result<SqlTable> RunStatement(QueryConnection* qc, sqlite3_stmt* stmt, int64_t timeout_ms, size_t max_rows,
                              CancelToken* request_cancel) {
  sqlite3* conn = qc->get();
  sqlite3_reset(stmt);
  CancelToken* token = qc->cancel();
  qc->StartRun(std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms), request_cancel);
  CancelProgressHandler interrupt(conn, token);
  SqlTable table;
  const int n = sqlite3_column_count(stmt);
  for (int i = 0; i < n; ++i) table.columns.emplace_back(sqlite3_column_name(stmt, i));
  int rc;
  bool too_many = false;
  constexpr size_t kChargeStep = 64 << 10;
  size_t uncharged = 0;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    if (table.rows.size() >= max_rows) {
      too_many = true;
      break;
    }
    std::vector<SqlValue>& row = table.rows.emplace_back();
    for (int i = 0; i < n; ++i) row.push_back(Cell(stmt, i));
    // The answer is working memory too, charged a step at a time.
    uncharged += sizeof(row) + n * sizeof(SqlValue);
    if (uncharged >= kChargeStep) {
      if (!token->ChargeMemory(uncharged)) {
        rc = SQLITE_INTERRUPT;
        break;
      }
      uncharged = 0;
    }
  }
  std::string error = rc == SQLITE_DONE || too_many ? "" : sqlite3_errmsg(conn);
  // Done with: the cursors close, and a kept statement holds nothing until it runs again.
  sqlite3_reset(stmt);
  if (too_many) return Status::Aborted("more than " + std::to_string(max_rows) + " rows");
  if (rc == SQLITE_NOMEM) {  // SQLite's heap past its bound (sql/sqlite_heap.h)
    if (request_cancel != nullptr) request_cancel->Cancel(CancelReason::kMemory);
    return sql::SqliteHeapExhausted();
  }
  if (rc != SQLITE_DONE) {
    if (token->cancelled()) {
      if (request_cancel != nullptr) request_cancel->Cancel(token->reason());  // the request learns why
      return token->status();
    }
    return Status::Aborted(error);
  }
  return table;
}

}  // namespace overtone::adapters
