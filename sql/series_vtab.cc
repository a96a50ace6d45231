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
enum Slot { kSeriesEq, kMetricEq, kSelectorEq, kNumSlots };

struct SeriesCursor {
  sqlite3_vtab_cursor base;
  Database* db = nullptr;
  std::vector<SeriesInfo> series;
  size_t pos = 0;
  std::string selector;
};

int Connect(sqlite3* conn, void* aux, int, const char* const*, sqlite3_vtab** out, char**) {
  int rc = sqlite3_declare_vtab(
      conn, "CREATE TABLE x(series_id INTEGER, metric TEXT, labels TEXT, selector TEXT HIDDEN)");
  if (rc != SQLITE_OK) return rc;
  auto* t = new OvertoneVtab();
  t->db = static_cast<Database*>(aux);
  *out = &t->base;
  return SQLITE_OK;
}

int Disconnect(sqlite3_vtab* vtab) {
  delete reinterpret_cast<OvertoneVtab*>(vtab);
  return SQLITE_OK;
}

int BestIndex(sqlite3_vtab*, sqlite3_index_info* info) {
  int at[kNumSlots] = {-1, -1, -1};
  for (int i = 0; i < info->nConstraint; ++i) {
    const auto& c = info->aConstraint[i];
    if (!c.usable || c.op != SQLITE_INDEX_CONSTRAINT_EQ) continue;
    if (c.iColumn == kColSeriesId) at[kSeriesEq] = i;
    if (c.iColumn == kColMetric) at[kMetricEq] = i;
    if (c.iColumn == kColSelector) at[kSelectorEq] = i;
  }
  int plan = 0, n = 0;
  for (int s = 0; s < kNumSlots; ++s) {
    if (at[s] < 0) continue;
    plan |= 1 << s;
    info->aConstraintUsage[at[s]].argvIndex = ++n;
    info->aConstraintUsage[at[s]].omit = s == kSelectorEq;
  }
  info->idxNum = plan;
  info->estimatedCost = (plan & (1 << kSeriesEq)) ? 1.0 : plan ? 100.0 : 10000.0;
  info->estimatedRows = static_cast<sqlite3_int64>(info->estimatedCost);
  if (plan & (1 << kSeriesEq)) info->idxFlags = SQLITE_INDEX_SCAN_UNIQUE;
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
  for (int s = 0; s < kNumSlots; ++s) {
    if (!(plan & (1 << s)) || arg >= argc) continue;
    sqlite3_value* v = argv[arg++];
    if (s == kSeriesEq) {
      if (sqlite3_value_numeric_type(v) == SQLITE_INTEGER) {
        filter.id = static_cast<SeriesId>(sqlite3_value_int64(v));
      } else {
        filter.empty = true;
      }
    } else if (sqlite3_value_type(v) == SQLITE_NULL) {
      filter.empty = true;
    } else if (s == kMetricEq) {
      filter.metric = TextOf(v);
    } else {
      filter.selector = c->selector = TextOf(v);
    }
  }
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
    /* xDisconnect */ Disconnect,
    /* xDestroy    */ Disconnect,
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
