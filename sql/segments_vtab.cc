// The `segments` virtual table: where the bytes go.
//
//   SELECT codec, count(*), sum(samples), sum(bytes) * 1.0 / sum(samples)
//     FROM segments GROUP BY codec;
//
// HOW IT WORKS
// One row per stored segment (a series' samples over one sealed window),
// read from the segment headers. series_id = ? reads one series' segments;
// metric = ? and selector = ? pick the series through the index first.
// Raw samples not yet sealed are not listed: they are in `samples` only.
// Hidden columns quantile_points and summary_bytes describe the summary kept
// beside each segment; the `sketches` view shows them.

#include <string>
#include <unordered_map>
#include <vector>

#include "sql/labels_json.h"
#include "sql/series_filter.h"
#include "sql/vtab_common.h"
#include "sql/vtabs.h"

namespace overtone::sql {
namespace {

enum Column {
  kColSeriesId, kColMetric, kColLabels, kColStart, kColEnd, kColSamples, kColCodec, kColBytes,
  kColBytesPerSample, kColQuantilePoints, kColSummaryBytes, kColSelector
};

struct Row {
  SegmentInfo info;
  size_t series;  // index into SegmentsCursor::series
};

struct SegmentsCursor {
  sqlite3_vtab_cursor base;
  Database* db = nullptr;
  std::vector<SeriesInfo> series;
  std::vector<Row> rows;
  size_t pos = 0;
  std::string selector;
};

int Connect(sqlite3* conn, void* aux, int, const char* const*, sqlite3_vtab** out, char**) {
  return ConnectTable(conn, aux,
                      "CREATE TABLE x(series_id INTEGER, metric TEXT, labels TEXT, \"start\" INTEGER, "
                      "\"end\" INTEGER, samples INTEGER, codec TEXT, bytes INTEGER, "
                      "bytes_per_sample REAL, quantile_points INTEGER HIDDEN, summary_bytes INTEGER HIDDEN, "
                      "selector TEXT HIDDEN)",
                      out);
}

int BestIndex(sqlite3_vtab*, sqlite3_index_info* info) {
  int n = 0;
  int plan = PlanSeriesConstraints(info, SeriesColumns{kColSeriesId, kColMetric, kColSelector}, &n);
  info->idxNum = plan;
  info->estimatedCost = (plan & kSeriesIdEq) ? 10.0 : plan ? 1000.0 : 100000.0;
  return SQLITE_OK;
}

int Open(sqlite3_vtab* vtab, sqlite3_vtab_cursor** out) {
  auto* c = new SegmentsCursor();
  c->db = reinterpret_cast<OvertoneVtab*>(vtab)->db;
  *out = &c->base;
  return SQLITE_OK;
}

int Close(sqlite3_vtab_cursor* cur) {
  delete reinterpret_cast<SegmentsCursor*>(cur);
  return SQLITE_OK;
}

int Filter(sqlite3_vtab_cursor* cur, int plan, const char*, int argc, sqlite3_value** argv) {
  auto* c = reinterpret_cast<SegmentsCursor*>(cur);
  c->rows.clear();
  c->series.clear();
  c->pos = 0;
  c->selector.clear();
  SeriesFilter filter;
  int arg = 0;
  ReadSeriesConstraints(plan, argv, argc, &arg, &filter, &c->selector);
  auto series = ResolveSeries(c->db, filter);
  if (!series.ok()) return SetError(cur->pVtab, series.status());
  c->series = std::move(*series);
  bool all = !filter.id && !filter.metric && !filter.selector && !filter.empty;
  std::unordered_map<SeriesId, size_t> position;
  for (size_t i = 0; i < c->series.size(); ++i) position[c->series[i].id] = i;
  auto add = [&](const SegmentInfo& info) {
    auto p = position.find(info.series);
    if (p != position.end()) c->rows.push_back(Row{info, p->second});
    return Status::OK();
  };
  Status s;
  if (all) {
    s = c->db->ForEachSegment(0, add);
  } else {
    for (const SeriesInfo& info : c->series) {
      s = c->db->ForEachSegment(info.id, add);
      if (!s.ok()) break;
    }
  }
  return s.ok() ? SQLITE_OK : SetError(cur->pVtab, s);
}

int Next(sqlite3_vtab_cursor* cur) {
  ++reinterpret_cast<SegmentsCursor*>(cur)->pos;
  return SQLITE_OK;
}

int Eof(sqlite3_vtab_cursor* cur) {
  auto* c = reinterpret_cast<SegmentsCursor*>(cur);
  return c->pos >= c->rows.size();
}

void ResultText(sqlite3_context* ctx, std::string_view s) {
  sqlite3_result_text(ctx, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
}

int ColumnValue(sqlite3_vtab_cursor* cur, sqlite3_context* ctx, int col) {
  auto* c = reinterpret_cast<SegmentsCursor*>(cur);
  const Row& row = c->rows[c->pos];
  const SegmentInfo& s = row.info;
  switch (col) {
    case kColSeriesId: sqlite3_result_int64(ctx, static_cast<sqlite3_int64>(s.series)); break;
    case kColMetric: ResultText(ctx, GetLabel(c->series[row.series].labels, kMetricNameLabel)); break;
    case kColLabels: ResultText(ctx, LabelsToJson(c->series[row.series].labels)); break;
    case kColStart: sqlite3_result_int64(ctx, s.min_ts); break;
    case kColEnd: sqlite3_result_int64(ctx, s.max_ts); break;
    case kColSamples: sqlite3_result_int64(ctx, s.samples); break;
    case kColCodec: ResultText(ctx, s.codec); break;
    case kColBytes: sqlite3_result_int64(ctx, static_cast<sqlite3_int64>(s.bytes)); break;
    case kColBytesPerSample: sqlite3_result_double(ctx, static_cast<double>(s.bytes) / s.samples); break;
    case kColQuantilePoints: sqlite3_result_int64(ctx, s.quantile_points); break;
    case kColSummaryBytes: sqlite3_result_int64(ctx, static_cast<sqlite3_int64>(s.summary_bytes)); break;
    case kColSelector: ResultText(ctx, c->selector); break;
  }
  return SQLITE_OK;
}

int Rowid(sqlite3_vtab_cursor* cur, sqlite_int64* rowid) {
  *rowid = static_cast<sqlite_int64>(reinterpret_cast<SegmentsCursor*>(cur)->pos);
  return SQLITE_OK;
}

const sqlite3_module kSegmentsModule = {
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

const sqlite3_module* SegmentsModule() { return &kSegmentsModule; }

}  // namespace overtone::sql
