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

#include <memory>
#include <string>
#include <vector>

#include "sql/labels_json.h"
#include "sql/series_filter.h"
#include "sql/vtab_common.h"
#include "sql/vtabs.h"

namespace overtone::sql {
namespace {

enum Column { kColSeriesId, kColMetric, kColLabels, kColSelector };

struct SeriesCursor {
  sqlite3_vtab_cursor base;
  Database* db = nullptr;
  std::vector<SeriesInfo> series;
  size_t pos = 0;
  std::string selector;
};

int Connect(sqlite3* conn, void* aux, int, const char* const*, sqlite3_vtab** out, char**) {
  return ConnectTable(conn, aux, "CREATE TABLE x(series_id INTEGER, metric TEXT, labels TEXT, selector TEXT HIDDEN)",
                      out);
}

int BestIndex(sqlite3_vtab*, sqlite3_index_info* info) {
  int n = 0;
  int plan = PlanSeriesConstraints(info, SeriesColumns{kColSeriesId, kColMetric, kColSelector}, &n);
  info->idxNum = plan;
  info->estimatedCost = (plan & kSeriesIdEq) ? 1.0 : plan ? 100.0 : 10000.0;
  info->estimatedRows = static_cast<sqlite3_int64>(info->estimatedCost);
  if (plan & kSeriesIdEq) info->idxFlags = SQLITE_INDEX_SCAN_UNIQUE;
  info->orderByConsumed = info->nOrderBy == 1 && info->aOrderBy[0].iColumn == kColSeriesId &&
                          !info->aOrderBy[0].desc;
  return SQLITE_OK;
}

int Open(sqlite3_vtab* vtab, sqlite3_vtab_cursor** out) {
  auto* c = new SeriesCursor();
  c->db = reinterpret_cast<OvertoneVtab*>(vtab)->db;
  *out = &c->base;
  return SQLITE_OK;
}

int Close(sqlite3_vtab_cursor* cur) {
  delete reinterpret_cast<SeriesCursor*>(cur);
  return SQLITE_OK;
}

int Filter(sqlite3_vtab_cursor* cur, int plan, const char*, int argc, sqlite3_value** argv) {
  auto* c = reinterpret_cast<SeriesCursor*>(cur);
  c->pos = 0;
  c->selector.clear();
  SeriesFilter filter;
  int arg = 0;
  ReadSeriesConstraints(plan, argv, argc, &arg, &filter, &c->selector);
  auto series = ResolveSeries(c->db, filter);
  if (!series.ok()) {
    c->series.clear();
    return SetError(cur->pVtab, series.status());
  }
  c->series = std::move(*series);
  return SQLITE_OK;
}

int Next(sqlite3_vtab_cursor* cur) {
  ++reinterpret_cast<SeriesCursor*>(cur)->pos;
  return SQLITE_OK;
}

int Eof(sqlite3_vtab_cursor* cur) {
  auto* c = reinterpret_cast<SeriesCursor*>(cur);
  return c->pos >= c->series.size();
}

int ColumnValue(sqlite3_vtab_cursor* cur, sqlite3_context* ctx, int col) {
  auto* c = reinterpret_cast<SeriesCursor*>(cur);
  const SeriesInfo& s = c->series[c->pos];
  switch (col) {
    case kColSeriesId: sqlite3_result_int64(ctx, static_cast<sqlite3_int64>(s.id)); break;
    case kColMetric: {
      std::string_view m = GetLabel(s.labels, kMetricNameLabel);
      sqlite3_result_text(ctx, m.data(), static_cast<int>(m.size()), SQLITE_TRANSIENT);
      break;
    }
    case kColLabels: {
      std::string json = LabelsToJson(s.labels);
      sqlite3_result_text(ctx, json.data(), static_cast<int>(json.size()), SQLITE_TRANSIENT);
      break;
    }
    case kColSelector:
      sqlite3_result_text(ctx, c->selector.data(), static_cast<int>(c->selector.size()), SQLITE_TRANSIENT);
      break;
  }
  return SQLITE_OK;
}

int Rowid(sqlite3_vtab_cursor* cur, sqlite_int64* rowid) {
  auto* c = reinterpret_cast<SeriesCursor*>(cur);
  *rowid = static_cast<sqlite_int64>(c->series[c->pos].id);
  return SQLITE_OK;
}

const sqlite3_module kSeriesModule = {
    /* iVersion    */ 0,
    /* xCreate     */ Connect,
    /* xConnect    */ Connect,
    /* xBestIndex  */ BestIndex,
    /* xDisconnect */ DisconnectTable,
    /* xDestroy    */ DisconnectTable,
    /* xOpen       */ Open,
    /* xClose      */ Close,
    /* xFilter     */ Filter,
    /* xNext       */ Next,
    /* xEof        */ Eof,
    /* xColumn     */ ColumnValue,
    /* xRowid      */ Rowid,
    /* xUpdate     */ nullptr,  // read-only
    /* xBegin      */ nullptr,
    /* xSync       */ nullptr,
    /* xCommit     */ nullptr,
    /* xRollback   */ nullptr,
    /* xFindFunction */ nullptr,
    /* xRename     */ nullptr,
    /* xSavepoint  */ nullptr,
    /* xRelease    */ nullptr,
    /* xRollbackTo */ nullptr,
    /* xShadowName */ nullptr,
};

}  // namespace

const sqlite3_module* SeriesModule() { return &kSeriesModule; }

}  // namespace overtone::sql
