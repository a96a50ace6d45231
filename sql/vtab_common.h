// Pieces shared by overtone's virtual tables.

#ifndef OVERTONE_SQL_VTAB_COMMON_H_
#define OVERTONE_SQL_VTAB_COMMON_H_

#include <sqlite3.h>

#include <string>

#include "overtone/database.h"
#include "overtone/status.h"

namespace overtone::sql {

// The sqlite3_vtab of every overtone table: SQLite's base, then the engine.
struct OvertoneVtab {
  sqlite3_vtab base;  // must be first: SQLite hands out pointers to it
  Database* db;
};

// xConnect for a table whose whole state is the OvertoneVtab: declares
// `schema` and binds the Database passed as the module's client data.
int ConnectTable(sqlite3* conn, void* aux, const char* schema, sqlite3_vtab** out);
// xDisconnect for tables made by ConnectTable.
int DisconnectTable(sqlite3_vtab* vtab);

// Sets the table's error message from `s` and returns the matching SQLite code.
int SetError(sqlite3_vtab* vtab, const Status& s);

// The SQLite result code for a Status.
int ToSqliteCode(const Status& s);

// Reads an SQL text value as a string (empty for NULL).
std::string TextOf(sqlite3_value* v);

// Cost figures for xBestIndex: a scan of one series is cheap, a scan of all
// of them is what the planner must avoid when it can.
inline constexpr double kCostOneSeries = 10.0;
inline constexpr double kCostSomeSeries = 1000.0;
inline constexpr double kCostAllSeries = 1e9;

}  // namespace overtone::sql

#endif  // OVERTONE_SQL_VTAB_COMMON_H_
