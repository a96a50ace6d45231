// Pieces shared by overtone's virtual tables.

#ifndef OVERTONE_SQL_VTAB_COMMON_H_
#define OVERTONE_SQL_VTAB_COMMON_H_

#include <sqlite3.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "overtone/cancel.h"
#include "overtone/database.h"
#include "overtone/status.h"
#include "sql/callback_guard.h"
#include "sql/sqlite_heap.h"

namespace overtone::sql {

// What RegisterSql gives every overtone module as its client data.
struct ModuleContext {
  Database* db;
  const CancelToken* cancel;  // the connection's (RegisterSql), or null
  // Bounds SQLite's heap while the connection is open (sql/sqlite_heap.h):
  // every module of the connection holds it, the last one closed lets go.
  std::shared_ptr<SqliteHeapBound> heap_bound;
};

// The sqlite3_vtab of every overtone table: SQLite's base, then the engine.
struct OvertoneVtab {
  sqlite3_vtab base;  // must be first: SQLite hands out pointers to it
  Database* db;
  const CancelToken* cancel;  // engine loops of the table's queries check it; may be null
};

// xConnect's work for a table whose state is a Table: an OvertoneVtab, or a
// struct that begins with one. Declares `schema` and binds the Database
// and the cancel token of the ModuleContext passed as the module's client data.
template <typename Table = OvertoneVtab>
int ConnectTable(sqlite3* conn, void* aux, const char* schema, sqlite3_vtab** out) {
  int rc = sqlite3_declare_vtab(conn, schema);
  if (rc != SQLITE_OK) return rc;
  return GuardVtabCallback(nullptr, [&] {
    auto* t = new Table();
    const auto* context = static_cast<const ModuleContext*>(aux);
    reinterpret_cast<OvertoneVtab*>(t)->db = context->db;
    reinterpret_cast<OvertoneVtab*>(t)->cancel = context->cancel;
    *out = reinterpret_cast<sqlite3_vtab*>(t);
    return SQLITE_OK;
  });
}
// xDisconnect (and xDestroy) for tables made by ConnectTable<Table>.
template <typename Table = OvertoneVtab>
int DisconnectTable(sqlite3_vtab* vtab) {
  delete reinterpret_cast<Table*>(vtab);
  return SQLITE_OK;
}

// Sets the table's error message from `s` and returns the matching SQLite code.
int SetError(sqlite3_vtab* vtab, const Status& s);

// The SQLite result code for a Status.
int ToSqliteCode(const Status& s);

// Reads an SQL text value as a string (empty for NULL).
std::string TextOf(sqlite3_value* v);

// Sets a text result (copied).
void ResultText(sqlite3_context* ctx, std::string_view s);
// The same for a whole std::string, copied with its terminating NUL when it
// holds no other: a function that then reads the value as text
// (sqlite3_value_text) finds it terminated, where a counted copy must be
// grown by a byte first, a reallocation per row.
void ResultString(sqlite3_context* ctx, const std::string& s);

// An SQL BLOB value's bytes (empty for NULL), valid until the value changes.
std::string_view BlobOf(sqlite3_value* v);

// A comma-separated list of label names ('' for none: names hold no comma).
std::vector<std::string> NameList(const std::string& text);

}  // namespace overtone::sql

#endif  // OVERTONE_SQL_VTAB_COMMON_H_
