#include <sqlite3.h>

#include <filesystem>

#include "overtone/sql.h"

namespace overtone {
namespace {

// Called by SQLite as each statement starts to run: a database that follows
// a writer (`overtone serve`) reads what the writer wrote since the last
// statement, so each statement sees the latest data. A catch-up that fails
// leaves the last view in place: the statement reads older data, never
// inconsistent data. Statements of triggers (their text starts "--") are
// part of the statement already caught up for.
int CatchUpBeforeStatement(unsigned type, void* db, void*, void* sql) {
  if (type != SQLITE_TRACE_STMT) return 0;
  const char* text = static_cast<const char*>(sql);
  if (text != nullptr && text[0] == '-' && text[1] == '-') return 0;
  static_cast<Database*>(db)->CatchUp().IgnoreError();
  return 0;
}

}  // namespace

Result<std::unique_ptr<SqlSession>> SqlSession::Open(const Options& options, const std::string& dir) {
  OT_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, Database::Open(options, dir));
  std::string path = (std::filesystem::path(dir) / "user.db").string();
  // `overtone serve` and `import` write the engine only: opened read-only,
  // such a directory has no user tables, so `main` is empty.
  std::error_code ec;
  const bool no_user_db = options.read_only && !std::filesystem::exists(path, ec);
  sqlite3* conn = nullptr;
  int flags = options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  int rc =
      sqlite3_open_v2(no_user_db ? ":memory:" : path.c_str(), &conn, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = conn ? sqlite3_errmsg(conn) : sqlite3_errstr(rc);
    sqlite3_close(conn);
    return Status::IOError("opening " + path + ": " + msg);
  }
  sqlite3_busy_timeout(conn, 5000);
  sqlite3_extended_result_codes(conn, 1);
  Status s = RegisterSql(conn, db.get());
  if (!s.ok()) {
    sqlite3_close(conn);
    return s;
  }
  if (db->open_mode() == OpenMode::kSecondary) {
    sqlite3_trace_v2(conn, SQLITE_TRACE_STMT, CatchUpBeforeStatement, db.get());
  }
  return std::unique_ptr<SqlSession>(new SqlSession(std::move(db), conn));
}

SqlSession::~SqlSession() {
  // Close SQLite first: its virtual tables point into the database.
  sqlite3_close_v2(conn_);
}

}  // namespace overtone
