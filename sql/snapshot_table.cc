#include "sql/snapshot_table.h"

#include <sqlite3.h>

#include <memory>
#include <string>

#include "sql/vtab_common.h"
#include "sql/vtab_cursor.h"

namespace overtone::sql {
namespace {

struct SnapshotVtab {
  sqlite3_vtab base;  // must be first: SQLite hands out pointers to it
  const SnapshotTable* table;
};

struct SnapshotCursor : RowsCursor<SnapshotRow> {
  explicit SnapshotCursor(sqlite3_vtab* vtab) : table(reinterpret_cast<SnapshotVtab*>(vtab)->table) {}

  Status Filter(int, int, sqlite3_value**) {
    rows = table->rows();
    pos = 0;
    return Status::OK();
  }

  void Column(sqlite3_context* ctx, int col) const {
    const SnapshotRow& r = row();
    if (col < 0 || static_cast<size_t>(col) >= r.size()) return;  // NULL
    const SnapshotValue& v = r[col];
    if (const auto* i = std::get_if<int64_t>(&v)) {
      sqlite3_result_int64(ctx, *i);
    } else if (const auto* d = std::get_if<double>(&v)) {
      sqlite3_result_double(ctx, *d);
    } else if (const auto* s = std::get_if<std::string>(&v)) {
      ResultText(ctx, *s);
    }
  }

  const SnapshotTable* table;
};

int Connect(sqlite3* conn, void* aux, int, const char* const*, sqlite3_vtab** out, char**) {
  const auto* table = static_cast<const SnapshotTable*>(aux);
  return GuardVtabCallback(nullptr, [&] {
    std::string schema = "CREATE TABLE x(";
    for (size_t i = 0; i < table->columns.size(); ++i) {
      if (i > 0) schema += ", ";
      schema += "\"" + table->columns[i].name + "\" " + table->columns[i].type;
    }
    schema += ")";
    int rc = sqlite3_declare_vtab(conn, schema.c_str());
    if (rc != SQLITE_OK) return rc;
    auto* t = new SnapshotVtab{};
    t->table = table;
    *out = &t->base;
    return SQLITE_OK;
  });
}

int Disconnect(sqlite3_vtab* vtab) {
  delete reinterpret_cast<SnapshotVtab*>(vtab);
  return SQLITE_OK;
}

int BestIndex(sqlite3_vtab*, sqlite3_index_info* info) {
  info->estimatedCost = 1000;  // a few rows, all computed at once
  return SQLITE_OK;
}

// Eponymous only (xCreate null); read-only (xUpdate null).
const sqlite3_module kSnapshotModule = CursorModule<SnapshotCursor>(nullptr, Connect, BestIndex, Disconnect);

void DeleteTable(void* p) { delete static_cast<SnapshotTable*>(p); }

}  // namespace

Status RegisterSnapshotTable(sqlite3* conn, SnapshotTable table) {
  auto owned = std::make_unique<SnapshotTable>(std::move(table));
  const std::string name = owned->name;
  // SQLite owns the table from here on, also when registering fails.
  int rc = sqlite3_create_module_v2(conn, name.c_str(), &kSnapshotModule, owned.release(), DeleteTable);
  if (rc != SQLITE_OK) return Status::Internal("registering table " + name + ": " + sqlite3_errmsg(conn));
  return Status::OK();
}

}  // namespace overtone::sql
