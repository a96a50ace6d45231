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
#include "sql/plan_cost.h"
#include "sql/series_filter.h"
#include "sql/vtab_common.h"
#include "sql/vtab_cursor.h"
#include "sql/vtabs.h"

namespace overtone::sql {
namespace {

enum Column {
  kColSeriesId,
  kColMetric,
  kColLabels,
  kColStart,
  kColEnd,
  kColSamples,
  kColCodec,
  kColBytes,
  kColBytesPerSample,
  kColQuantilePoints,
  kColSummaryBytes,
  kColSelector
};

struct Row {
  SegmentInfo info;
  size_t series;  // index into SegmentsCursor::series
};

struct SegmentsCursor : RowsCursor<Row> {
  explicit SegmentsCursor(sqlite3_vtab* vtab) : db(reinterpret_cast<OvertoneVtab*>(vtab)->db) {}

  Status Filter(int plan, int argc, sqlite3_value** argv) {
    rows.clear();
    series.clear();
    pos = 0;
    SeriesFilter filter;
    OT_ASSIGN_OR_RETURN(series, FilterSeries(db, plan, argc, argv, &selector, &filter));
    bool all = !filter.id && !filter.metric && !filter.selector && !filter.empty;
    std::unordered_map<SeriesId, size_t> position;
    for (size_t i = 0; i < series.size(); ++i) position[series[i].id] = i;
    auto add = [&](const SegmentInfo& info) {
      auto p = position.find(info.series);
      if (p != position.end()) rows.push_back(Row{info, p->second});
      return Status::OK();
    };
    if (all) return db->ForEachSegment(0, add);
    for (const SeriesInfo& info : series) OT_RETURN_IF_ERROR(db->ForEachSegment(info.id, add));
    return Status::OK();
  }

  void Column(sqlite3_context* ctx, int col) const {
    const SegmentInfo& s = row().info;
    const Labels& labels = series[row().series].labels;
    switch (col) {
      case kColSeriesId: sqlite3_result_int64(ctx, static_cast<sqlite3_int64>(s.series)); break;
      case kColMetric: ResultText(ctx, GetLabel(labels, kMetricNameLabel)); break;
      case kColLabels: ResultText(ctx, LabelsToJson(labels)); break;
      case kColStart: sqlite3_result_int64(ctx, s.min_ts); break;
      case kColEnd: sqlite3_result_int64(ctx, s.max_ts); break;
      case kColSamples: sqlite3_result_int64(ctx, s.samples); break;
      case kColCodec: ResultText(ctx, s.codec); break;
      case kColBytes: sqlite3_result_int64(ctx, static_cast<sqlite3_int64>(s.bytes)); break;
      case kColBytesPerSample: sqlite3_result_double(ctx, static_cast<double>(s.bytes) / s.samples); break;
      case kColQuantilePoints: sqlite3_result_int64(ctx, s.quantile_points); break;
      case kColSummaryBytes: sqlite3_result_int64(ctx, static_cast<sqlite3_int64>(s.summary_bytes)); break;
      case kColSelector: ResultText(ctx, selector); break;
    }
  }

  Database* db;
  std::vector<SeriesInfo> series;
  std::string selector;  // echoed back by the hidden column
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
  info->estimatedCost = PlanCost(plan, kRowsSegments);
  return SQLITE_OK;
}

// Read-only: xUpdate is null.
const sqlite3_module kSegmentsModule =
    CursorModule<SegmentsCursor>(Connect, Connect, BestIndex, DisconnectTable<>);

}  // namespace

const sqlite3_module* SegmentsModule() { return &kSegmentsModule; }

}  // namespace overtone::sql
