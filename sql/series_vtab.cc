// The `series` virtual table: one row per series.
//
//   SELECT series_id, labels FROM series WHERE metric = 'up';
//   SELECT count(*) FROM series WHERE selector = '{job=~"node|api"}';
//
// HOW IT WORKS
// xBestIndex pushes down series_id = ?, metric = ? and selector = ? (hidden
// column, a PromQL series selector); xFilter asks the engine's index for the
// matching series. Read-only: series come into being when samples are
// written, and leave with delete_series().

#include <string>
#include <vector>

#include "sql/labels_json.h"
#include "sql/plan_cost.h"
#include "sql/series_filter.h"
#include "sql/vtab_common.h"
#include "sql/vtab_cursor.h"
#include "sql/vtabs.h"

namespace overtone::sql {
namespace {

enum Column { kColSeriesId, kColMetric, kColLabels, kColSelector };

struct SeriesCursor : RowsCursor<SeriesInfo> {
  explicit SeriesCursor(sqlite3_vtab* vtab) : db(reinterpret_cast<OvertoneVtab*>(vtab)->db) {}

  Status Filter(int plan, int argc, sqlite3_value** argv) {
    rows.clear();
    pos = 0;
    OT_ASSIGN_OR_RETURN(rows, FilterSeries(db, plan, argc, argv, &selector));
    return Status::OK();
  }

  void Column(sqlite3_context* ctx, int col) const {
    const SeriesInfo& s = row();
    switch (col) {
      case kColSeriesId: sqlite3_result_int64(ctx, static_cast<sqlite3_int64>(s.id)); break;
      case kColMetric: ResultText(ctx, GetLabel(s.labels, kMetricNameLabel)); break;
      case kColLabels: ResultText(ctx, LabelsToJson(s.labels)); break;
      case kColSelector: ResultText(ctx, selector); break;
    }
  }

  sqlite3_int64 Rowid() const { return static_cast<sqlite3_int64>(row().id); }

  Database* db;
  std::string selector;  // echoed back by the hidden column
};

int Connect(sqlite3* conn, void* aux, int, const char* const*, sqlite3_vtab** out, char**) {
  return ConnectTable(
      conn, aux, "CREATE TABLE x(series_id INTEGER, metric TEXT, labels TEXT, selector TEXT HIDDEN)", out);
}

int BestIndex(sqlite3_vtab*, sqlite3_index_info* info) {
  int n = 0;
  int plan = PlanSeriesConstraints(info, SeriesColumns{kColSeriesId, kColMetric, kColSelector}, &n);
  info->idxNum = plan;
  info->estimatedCost = PlanCost(plan, kRowsSeriesOnly);
  info->estimatedRows = static_cast<sqlite3_int64>(info->estimatedCost);
  if (plan & kSeriesIdEq) info->idxFlags = SQLITE_INDEX_SCAN_UNIQUE;
  info->orderByConsumed =
      info->nOrderBy == 1 && info->aOrderBy[0].iColumn == kColSeriesId && !info->aOrderBy[0].desc;
  return SQLITE_OK;
}

// Read-only: xUpdate is null.
const sqlite3_module kSeriesModule =
    CursorModule<SeriesCursor>(Connect, Connect, BestIndex, DisconnectTable<>);

}  // namespace

const sqlite3_module* SeriesModule() { return &kSeriesModule; }

}  // namespace overtone::sql
