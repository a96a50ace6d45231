// The cursors of overtone's virtual tables: one base for all of them, and
// the cursor callbacks of sqlite3_module written once.
//
// A table's cursor is a class derived from VtabCursor (mostly through
// RowsCursor) that provides
//
//   explicit Cursor(sqlite3_vtab* vtab);
//   Status Filter(int plan, int argc, sqlite3_value** argv);  // xFilter
//   Status Next();                                            // xNext
//   bool Eof() const;                                         // xEof
//   void Column(sqlite3_context* ctx, int col);               // xColumn
//   sqlite3_int64 Rowid() const;                              // xRowid
//
// and CursorModule<Cursor>() builds its module: xOpen allocates a Cursor,
// xClose deletes it, and every callback runs behind GuardVtabCallback, so
// that no exception reaches SQLite and a Status error becomes the table's
// error message.

#ifndef OVERTONE_SQL_VTAB_CURSOR_H_
#define OVERTONE_SQL_VTAB_CURSOR_H_

#include <sqlite3.h>

#include <vector>

#include "overtone/status.h"
#include "sql/callback_guard.h"
#include "sql/vtab_common.h"

namespace overtone::sql {

// The start of every overtone cursor: SQLite's cursor struct, through which
// the callbacks find the cursor.
struct VtabCursor {
  sqlite3_vtab_cursor base{};  // must be first: SQLite hands out pointers to it
};

// A cursor over rows that xFilter computes in full, and its position.
template <typename Row>
struct RowsCursor : VtabCursor {
  std::vector<Row> rows;
  size_t pos = 0;

  Status Next() {
    ++pos;
    return Status::OK();
  }
  bool Eof() const { return pos >= rows.size(); }
  sqlite3_int64 Rowid() const { return static_cast<sqlite3_int64>(pos); }
  const Row& row() const { return rows[pos]; }
};

// The sqlite3_module callbacks of Cursor.
template <typename Cursor>
struct CursorCallbacks {
  static Cursor* Of(sqlite3_vtab_cursor* cur) {
    return static_cast<Cursor*>(reinterpret_cast<VtabCursor*>(cur));
  }

  static int Open(sqlite3_vtab* vtab, sqlite3_vtab_cursor** out) {
    return GuardVtabCallback(vtab, [&] {
      *out = &(new Cursor(vtab))->base;
      return SQLITE_OK;
    });
  }
  static int Close(sqlite3_vtab_cursor* cur) {
    delete Of(cur);
    return SQLITE_OK;
  }
  static int Filter(sqlite3_vtab_cursor* cur, int plan, const char*, int argc, sqlite3_value** argv) {
    return GuardVtabCallback(cur->pVtab, [&] { return Result(cur, Of(cur)->Filter(plan, argc, argv)); });
  }
  static int Next(sqlite3_vtab_cursor* cur) {
    return GuardVtabCallback(cur->pVtab, [&] { return Result(cur, Of(cur)->Next()); });
  }
  static int Eof(sqlite3_vtab_cursor* cur) { return Of(cur)->Eof() ? 1 : 0; }
  static int Column(sqlite3_vtab_cursor* cur, sqlite3_context* ctx, int col) {
    return GuardVtabCallback(cur->pVtab, [&] {
      Of(cur)->Column(ctx, col);
      return SQLITE_OK;
    });
  }
  static int Rowid(sqlite3_vtab_cursor* cur, sqlite_int64* rowid) {
    *rowid = Of(cur)->Rowid();
    return SQLITE_OK;
  }

 private:
  static int Result(sqlite3_vtab_cursor* cur, const Status& s) {
    return s.ok() ? SQLITE_OK : SetError(cur->pVtab, s);
  }
};

// The module of a read-only table whose cursor is Cursor. `create` is null
// for a table-valued function (eponymous only: there is nothing to create)
// and `connect` for a table that CREATE VIRTUAL TABLE may also make.
template <typename Cursor>
constexpr sqlite3_module CursorModule(
    int (*create)(sqlite3*, void*, int, const char* const*, sqlite3_vtab**, char**),
    int (*connect)(sqlite3*, void*, int, const char* const*, sqlite3_vtab**, char**),
    int (*best_index)(sqlite3_vtab*, sqlite3_index_info*), int (*disconnect)(sqlite3_vtab*)) {
  using C = CursorCallbacks<Cursor>;
  sqlite3_module m{};
  m.iVersion = 0;
  m.xCreate = create;
  m.xConnect = connect;
  m.xBestIndex = best_index;
  m.xDisconnect = disconnect;
  m.xDestroy = disconnect;
  m.xOpen = C::Open;
  m.xClose = C::Close;
  m.xFilter = C::Filter;
  m.xNext = C::Next;
  m.xEof = C::Eof;
  m.xColumn = C::Column;
  m.xRowid = C::Rowid;
  return m;
}

}  // namespace overtone::sql

#endif  // OVERTONE_SQL_VTAB_CURSOR_H_
