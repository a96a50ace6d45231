// overtone's SQL surface: SQLite virtual tables and functions over a Database.
//
// RegisterSql() attaches overtone to any SQLite connection, so an application
// can join metrics with its own tables:
//
//   sqlite3* conn;  sqlite3_open("app.db", &conn);
//   overtone::RegisterSql(conn, db.get());
//   SELECT s.ts, s.value, h.owner
//     FROM samples s JOIN hosts h ON h.name = json_extract(s.labels, '$.instance')
//    WHERE s.metric = 'up' AND s.ts > 1700000000000;
//
// Tables (eponymous virtual tables, usable without CREATE VIRTUAL TABLE):
//   series(series_id, metric, labels [, selector HIDDEN])
//   samples(series_id, metric, labels, ts, value [, raw HIDDEN, selector HIDDEN])
//   segments(series_id, metric, labels, start, end, samples, codec, bytes, ...)
// Table-valued functions:
//   over_time(fn, selector, start, end, step, range [, param [, approx]])
//   instant_vector(selector, start, end, step [, lookback [, offset]])
//   range_function(fn, selector, start, end, step, range [, offset [, param]])
// plus the view `sketches` and scalar functions (value_text, delete_series,
// labelset, prom_*, ...). See docs/SQL.md for columns, pushed-down
// constraints and how NaN, ±Inf and the staleness marker appear.

#ifndef OVERTONE_SQL_H_
#define OVERTONE_SQL_H_

#include <memory>
#include <string>

#include "overtone/cancel.h"
#include "overtone/database.h"
#include "overtone/status.h"

struct sqlite3;

namespace overtone {

// Registers the virtual tables and SQL functions on `conn`. With `cancel`,
// the engine loops of the table functions (over_time, range_function,
// instant_vector) stop with its status() once it is cancelled; whoever runs
// a statement on `conn` Reset()s it first and installs a
// CancelProgressHandler (below) for SQLite's own loops.
// REQUIRES: `db` and `cancel` outlive every use of `conn`.
Status RegisterSql(sqlite3* conn, Database* db, const CancelToken* cancel = nullptr);

// While alive, SQLite interrupts the statements running on `conn` soon after
// `token` is cancelled (a progress handler every 1000 virtual machine
// instructions); the statement's step then fails with SQLITE_INTERRUPT and
// token->status() says why. One per connection at a time.
class CancelProgressHandler {
 public:
  CancelProgressHandler(sqlite3* conn, const CancelToken* token);
  ~CancelProgressHandler();
  CancelProgressHandler(const CancelProgressHandler&) = delete;
  CancelProgressHandler& operator=(const CancelProgressHandler&) = delete;

 private:
  sqlite3* conn_;
};

// A database directory opened for SQL: the engine in DIR/ plus an ordinary
// SQLite database DIR/user.db (the "main" schema) that keeps the user's own
// tables and views, with overtone registered on it. Opened read-only, a
// directory without user.db (one only `serve` or `import` wrote) gets an
// empty in-memory "main". A directory that a writer holds (`overtone serve`)
// opens as a secondary (Options::open_mode): each statement first catches up
// with the writer (Database::CatchUp), and writes to the engine's tables
// fail with an error that names the writer.
class SqlSession {
 public:
  static Result<std::unique_ptr<SqlSession>> Open(const Options& options, const std::string& dir);
  ~SqlSession();
  SqlSession(const SqlSession&) = delete;
  SqlSession& operator=(const SqlSession&) = delete;

  sqlite3* conn() const { return conn_; }
  Database* db() const { return db_.get(); }

 private:
  SqlSession(std::unique_ptr<Database> db, sqlite3* conn) : db_(std::move(db)), conn_(conn) {}
  std::unique_ptr<Database> db_;
  sqlite3* conn_;
};

}  // namespace overtone

#endif  // OVERTONE_SQL_H_
