#include <sqlite3.h>

#include <filesystem>

#include "overtone/sql.h"

namespace overtone {

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
  return std::unique_ptr<SqlSession>(new SqlSession(std::move(db), conn));
}

SqlSession::~SqlSession() {
  // Close SQLite first: its virtual tables point into the database.
  sqlite3_close_v2(conn_);
}

}  // namespace overtone
