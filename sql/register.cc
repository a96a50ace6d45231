#include <sqlite3.h>

#include "overtone/sql.h"
#include "sql/functions.h"
#include "sql/vtabs.h"

namespace overtone {

Status RegisterSql(sqlite3* conn, Database* db) {
  if (conn == nullptr || db == nullptr) return Status::InvalidArgument("RegisterSql needs a connection and a database");
  struct Module {
    const char* name;
    const sqlite3_module* module;
  };
  for (Module m : {Module{"series", sql::SeriesModule()}, Module{"samples", sql::SamplesModule()},
                   Module{"segments", sql::SegmentsModule()}, Module{"over_time", sql::OverTimeModule()}}) {
    int rc = sqlite3_create_module_v2(conn, m.name, m.module, db, nullptr);
    if (rc != SQLITE_OK) {
      return Status::Internal(std::string("registering table ") + m.name + ": " + sqlite3_errmsg(conn));
    }
  }
  return sql::RegisterFunctions(conn, db);
}

}  // namespace overtone
