#include <sqlite3.h>

#include <memory>
#include <string>

#include "overtone/sql.h"
#include "sql/functions.h"
#include "sql/promql_functions.h"
#include "sql/vtab_common.h"
#include "sql/vtabs.h"

namespace overtone {

namespace {

void DeleteModuleContext(void* context) { delete static_cast<sql::ModuleContext*>(context); }

}  // namespace

Status RegisterSql(sqlite3* conn, Database* db, const CancelToken* cancel) {
  if (conn == nullptr || db == nullptr)
    return Status::InvalidArgument("RegisterSql needs a connection and a database");
  const std::shared_ptr<sql::SqliteHeapBound> heap_bound = sql::SqliteHeapBound::Hold(db->memory());
  struct Module {
    const char* name;
    const sqlite3_module* module;
  };
  for (Module m :
       {Module{"series", sql::SeriesModule()}, Module{"samples", sql::SamplesModule()},
        Module{"segments", sql::SegmentsModule()}, Module{"metadata", sql::MetadataModule()},
        Module{"over_time", sql::OverTimeModule()}, Module{"instant_vector", sql::InstantVectorModule()},
        Module{"range_function", sql::RangeFunctionModule()},
        Module{"vector_match", sql::VectorMatchModule()},
        Module{"vector_match_series", sql::VectorMatchSeriesModule()},
        Module{"vector_aggregate", sql::VectorAggregateModule()},
        Module{"selector_aggregate", sql::SelectorAggregateModule()},
        Module{"vector_series", sql::VectorSeriesModule()},
        Module{"vector_source", sql::VectorSourceModule()},
        Module{"subquery_window", sql::SubqueryWindowModule()},
        Module{"subquery_window_series", sql::SubqueryWindowSeriesModule()},
        Module{"prom_steps", sql::StepsModule()}, Module{"vector_unique", sql::VectorUniqueModule()}}) {
    // Each module owns its copy: SQLite destroys them one by one.
    int rc = sqlite3_create_module_v2(conn, m.name, m.module, new sql::ModuleContext{db, cancel, heap_bound},
                                      DeleteModuleContext);
    if (rc != SQLITE_OK) {
      return Status::Internal(std::string("registering table ") + m.name + ": " + sqlite3_errmsg(conn));
    }
  }
  OT_RETURN_IF_ERROR(sql::RegisterPromqlFunctions(conn));
  OT_RETURN_IF_ERROR(sql::RegisterVectorPack(conn));
  OT_RETURN_IF_ERROR(sql::RegisterFunctions(conn, db));
  // The summaries beside segments, as a view of `segments`. TEMP: it lives in
  // the connection, not in the user's database file.
  const char* kSketches =
      "CREATE TEMP VIEW IF NOT EXISTS sketches AS SELECT series_id, metric, labels, \"start\", \"end\", "
      "samples, quantile_points, summary_bytes, bytes AS segment_bytes FROM segments";
  char* err = nullptr;
  if (sqlite3_exec(conn, kSketches, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return Status::Internal("creating the sketches view: " + msg);
  }
  return Status::OK();
}

namespace {

int InterruptWhenCancelled(void* token) {
  return static_cast<const CancelToken*>(token)->cancelled() ? 1 : 0;
}

}  // namespace

CancelProgressHandler::CancelProgressHandler(sqlite3* conn, const CancelToken* token) : conn_(conn) {
  sqlite3_progress_handler(conn_, 1000, InterruptWhenCancelled, const_cast<CancelToken*>(token));
}

CancelProgressHandler::~CancelProgressHandler() { sqlite3_progress_handler(conn_, 0, nullptr, nullptr); }

}  // namespace overtone
