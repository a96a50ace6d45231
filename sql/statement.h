// Statement: an owned sqlite3_stmt, finalized when its owner goes.
//
//   Result<Statement> st = Statement::Prepare(conn, "SELECT ts FROM samples WHERE series_id = ?");
//   if (!st.ok()) return st.status();
//   st->BindInt64(1, id);
//   while (st->Step() == SQLITE_ROW) Use(sqlite3_column_int64(st->get(), 0));
//
// Header-only, so that programs which link SQLite but not overtone_sql (the
// benchmarks) can use it too.

#ifndef OVERTONE_SQL_STATEMENT_H_
#define OVERTONE_SQL_STATEMENT_H_

#include <sqlite3.h>

#include <string>
#include <string_view>
#include <utility>

#include "overtone/status.h"

namespace overtone::sql {

class Statement {
 public:
  Statement() = default;
  // Takes ownership of `stmt` (may be null).
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~Statement() { sqlite3_finalize(stmt_); }

  Statement(Statement&& other) noexcept : stmt_(std::exchange(other.stmt_, nullptr)) {}
  Statement& operator=(Statement&& other) noexcept {
    if (this != &other) {
      sqlite3_finalize(stmt_);
      stmt_ = std::exchange(other.stmt_, nullptr);
    }
    return *this;
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Compiles the first statement of `sql` in place of the one held, and
  // returns SQLite's result code (the message is sqlite3_errmsg(conn)).
  // `tail`, when given, receives where the rest of `sql` begins. A `sql`
  // of only spaces or comments compiles to no statement: get() is null.
  int Compile(sqlite3* conn, std::string_view sql, const char** tail = nullptr) {
    sqlite3_finalize(stmt_);
    stmt_ = nullptr;
    return sqlite3_prepare_v2(conn, sql.data(), static_cast<int>(sql.size()), &stmt_, tail);
  }

  // The first statement of `sql`, or an error with SQLite's message.
  static Result<Statement> Prepare(sqlite3* conn, std::string_view sql) {
    Statement st;
    if (st.Compile(conn, sql) != SQLITE_OK) {
      return Status::InvalidArgument(std::string("preparing SQL: ") + sqlite3_errmsg(conn));
    }
    return st;
  }

  sqlite3_stmt* get() const { return stmt_; }
  explicit operator bool() const { return stmt_ != nullptr; }

  int Step() { return sqlite3_step(stmt_); }
  // Ready to run again; the bindings stay.
  void Reset() { sqlite3_reset(stmt_); }

  void BindInt64(int i, int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  void BindDouble(int i, double v) { sqlite3_bind_double(stmt_, i, v); }
  void BindText(int i, std::string_view v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace overtone::sql

#endif  // OVERTONE_SQL_STATEMENT_H_
