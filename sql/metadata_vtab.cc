// The `metadata` virtual table: Prometheus's metric metadata, one row per
// metric family, as remote write and the text formats bring it.
//
//   SELECT metric, type, help FROM metadata WHERE type = 'counter';
//
// HOW IT WORKS
// xFilter reads every family from the engine (Database::ListMetadata, a
// small in-memory map) and SQLite applies the WHERE clause itself.
// Read-only: metadata is written by remote write and imports.

#include <string>
#include <vector>

#include "sql/vtab_common.h"
#include "sql/vtab_cursor.h"
#include "sql/vtabs.h"

namespace overtone::sql {
namespace {

enum Column { kColMetric, kColType, kColHelp, kColUnit };

struct MetadataCursor : RowsCursor<MetricMetadata> {
  explicit MetadataCursor(sqlite3_vtab* vtab) : db(reinterpret_cast<OvertoneVtab*>(vtab)->db) {}

  Status Filter(int, int, sqlite3_value**) {
    pos = 0;
    OT_ASSIGN_OR_RETURN(rows, db->ListMetadata());
    return Status::OK();
  }

  void Column(sqlite3_context* ctx, int col) const {
    const MetricMetadata& m = row();
    switch (col) {
      case kColMetric: ResultText(ctx, m.metric); break;
      case kColType: ResultText(ctx, m.type); break;
      case kColHelp: ResultText(ctx, m.help); break;
      case kColUnit: ResultText(ctx, m.unit); break;
    }
  }

  Database* db;
};

int Connect(sqlite3* conn, void* aux, int, const char* const*, sqlite3_vtab** out, char**) {
  return ConnectTable(conn, aux, "CREATE TABLE x(metric TEXT, type TEXT, help TEXT, unit TEXT)", out);
}

int BestIndex(sqlite3_vtab*, sqlite3_index_info* info) {
  info->idxNum = 0;
  info->estimatedCost = 1000;  // a few thousand families at most
  info->orderByConsumed = info->nOrderBy == 1 && info->aOrderBy[0].iColumn == kColMetric &&
                          !info->aOrderBy[0].desc;  // ListMetadata sorts by metric
  return SQLITE_OK;
}

// Read-only: xUpdate is null.
const sqlite3_module kMetadataModule =
    CursorModule<MetadataCursor>(Connect, Connect, BestIndex, DisconnectTable<>);

}  // namespace

const sqlite3_module* MetadataModule() { return &kMetadataModule; }

}  // namespace overtone::sql
