// A read-only table whose rows come from a callback each time a query reads
// it: for state kept outside the database that SQL should see, such as the
// scheduled monitors of `overtone serve --monitors`.
//
//   sql::SnapshotTable t{"monitors", {{"name", "TEXT"}, {"runs", "INTEGER"}},
//                        [&] { return CurrentRows(); }};
//   Status s = sql::RegisterSnapshotTable(conn, std::move(t));
//   SELECT name, runs FROM monitors;
//
// HOW IT WORKS
// The table is eponymous (usable without CREATE VIRTUAL TABLE) and has no
// constraints to push down: xFilter calls `rows` once and the cursor walks
// the copy it returned, so a query sees one consistent snapshot.

#ifndef OVERTONE_SQL_SNAPSHOT_TABLE_H_
#define OVERTONE_SQL_SNAPSHOT_TABLE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "overtone/status.h"

struct sqlite3;

namespace overtone::sql {

// A cell: NULL, INTEGER, REAL or TEXT.
using SnapshotValue = std::variant<std::monostate, int64_t, double, std::string>;
using SnapshotRow = std::vector<SnapshotValue>;  // one value per column

struct SnapshotColumn {
  std::string name;
  std::string type;  // INTEGER, REAL or TEXT: what the schema declares
};

struct SnapshotTable {
  std::string name;
  std::vector<SnapshotColumn> columns;
  // Called on the thread running the query; must be thread-safe when the
  // table is registered on connections used by several threads.
  std::function<std::vector<SnapshotRow>()> rows;
};

// Registers `table` on `conn` under table.name.
Status RegisterSnapshotTable(sqlite3* conn, SnapshotTable table);

}  // namespace overtone::sql

#endif  // OVERTONE_SQL_SNAPSHOT_TABLE_H_
