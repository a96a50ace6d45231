// The `samples` virtual table: every sample of every series.
//
//   SELECT ts, value FROM samples
//    WHERE metric = 'node_cpu_seconds_total'
//      AND selector = '{instance=~"web-.*", mode="idle"}'
//      AND ts BETWEEN 1700000000000 AND 1700003600000;
//
//   INSERT INTO samples(metric, labels, ts, value)
//   VALUES ('up', '{"job":"api"}', 1700000000000, 1);
//
// HOW IT WORKS
// xBestIndex pushes down series_id = ?, metric = ?, selector = ? (hidden
// column, a PromQL series selector) and ts ranges (=, >, >=, <, <=, and so
// BETWEEN). xFilter resolves the series with the engine's index and scans
// each one's [lo, hi] range: a query on one series and one hour reads that
// hour of that series, whatever the size of the database. Rows come ordered
// by (series_id, ts), which the planner is told so it can skip a sort.
//
// Only `selector` constraints are omitted from SQLite's own re-check; the
// rest are re-checked, which costs little and keeps odd operand types
// (TEXT compared with ts, say) correct.
//
// Writes: INSERT buffers samples and writes them through the engine when the
// statement's transaction commits (xSync), in one atomic engine batch per
// 100,000 samples. UPDATE and DELETE are refused: delete with
// delete_samples(selector, start, end).

#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "sql/labels_json.h"
#include "sql/plan_cost.h"
#include "sql/series_filter.h"
#include "sql/value_repr.h"
#include "sql/vtab_common.h"
#include "sql/vtab_cursor.h"
#include "sql/vtabs.h"

namespace overtone::sql {
namespace {

enum Column { kColSeriesId, kColMetric, kColLabels, kColTs, kColValue, kColRaw, kColSelector };

// Slots of pushed-down constraints, in the order xFilter receives them.
enum Slot { kSeriesEq, kMetricEq, kSelectorEq, kTsEq, kTsGt, kTsGe, kTsLt, kTsLe, kNumSlots };

constexpr size_t kInsertChunk = 100000;

struct SamplesVtab {
  OvertoneVtab vt;
  WriteBatch pending;  // INSERTed, not yet written
};

// Walks the series xFilter selected, one sample iterator at a time.
struct SamplesCursor : VtabCursor {
  explicit SamplesCursor(sqlite3_vtab* vtab) : db(reinterpret_cast<OvertoneVtab*>(vtab)->db) {}

  Status Filter(int plan, int argc, sqlite3_value** argv);
  Status Next();
  bool Eof() const { return eof; }
  void Column(sqlite3_context* ctx, int col) const;
  sqlite3_int64 Rowid() const { return rowid; }

  // Moves to the first sample at or after the current series position.
  Status SettleOnRow();

  Database* db;
  std::vector<SeriesInfo> series;
  size_t series_pos = 0;
  std::string metric;       // of the current series
  std::string labels_json;  // of the current series, built once per series
  std::string selector;     // echoed back by the hidden column
  int64_t lo = 0, hi = 0;
  std::unique_ptr<SampleIterator> it;
  sqlite3_int64 rowid = 0;
  bool eof = true;
};

int Connect(sqlite3* conn, void* aux, int, const char* const*, sqlite3_vtab** out, char**) {
  return ConnectTable<SamplesVtab>(conn, aux,
                                   "CREATE TABLE x(series_id INTEGER, metric TEXT, labels TEXT, "
                                   "ts INTEGER, value REAL, raw INTEGER HIDDEN, selector TEXT HIDDEN)",
                                   out);
}

int BestIndex(sqlite3_vtab*, sqlite3_index_info* info) {
  int at[kNumSlots];
  std::fill(at, at + kNumSlots, -1);
  for (int i = 0; i < info->nConstraint; ++i) {
    const auto& c = info->aConstraint[i];
    if (!c.usable) continue;
    switch (c.iColumn) {
      case kColSeriesId:
        if (c.op == SQLITE_INDEX_CONSTRAINT_EQ) at[kSeriesEq] = i;
        break;
      case kColMetric:
        if (c.op == SQLITE_INDEX_CONSTRAINT_EQ) at[kMetricEq] = i;
        break;
      case kColSelector:
        if (c.op == SQLITE_INDEX_CONSTRAINT_EQ) at[kSelectorEq] = i;
        break;
      case kColTs:
        if (c.op == SQLITE_INDEX_CONSTRAINT_EQ) at[kTsEq] = i;
        if (c.op == SQLITE_INDEX_CONSTRAINT_GT) at[kTsGt] = i;
        if (c.op == SQLITE_INDEX_CONSTRAINT_GE) at[kTsGe] = i;
        if (c.op == SQLITE_INDEX_CONSTRAINT_LT) at[kTsLt] = i;
        if (c.op == SQLITE_INDEX_CONSTRAINT_LE) at[kTsLe] = i;
        break;
    }
  }
  int plan = 0, n = 0;
  for (int s = 0; s < kNumSlots; ++s) {
    if (at[s] < 0) continue;
    plan |= 1 << s;
    info->aConstraintUsage[at[s]].argvIndex = ++n;
    info->aConstraintUsage[at[s]].omit = s == kSelectorEq;
  }
  info->idxNum = plan;

  // The series slots have the bits of SeriesConstraintBits.
  static_assert(1 << kSeriesEq == kSeriesIdEq && 1 << kMetricEq == SeriesConstraintBits::kMetricEq &&
                1 << kSelectorEq == SeriesConstraintBits::kSelectorEq);
  bool has_lo = plan & ((1 << kTsEq) | (1 << kTsGt) | (1 << kTsGe));
  bool has_hi = plan & ((1 << kTsEq) | (1 << kTsLt) | (1 << kTsLe));
  double rows = (plan & (1 << kTsEq)) ? kRowsOneSample
                : has_lo && has_hi    ? kRowsBoundedRange
                : has_lo || has_hi    ? kRowsHalfBoundedRange
                                      : kRowsAllSamples;
  double cost = PlanCost(plan, rows);
  info->estimatedCost = cost;
  info->estimatedRows = static_cast<sqlite3_int64>(cost);

  // Rows come out ordered by (series_id, ts).
  bool ordered = info->nOrderBy > 0;
  for (int i = 0; i < info->nOrderBy && ordered; ++i) {
    const auto& o = info->aOrderBy[i];
    int want = i == 0 ? kColSeriesId : kColTs;
    ordered = !o.desc && i < 2 && o.iColumn == want;
  }
  if (info->nOrderBy == 1 && info->aOrderBy[0].iColumn == kColTs && !info->aOrderBy[0].desc &&
      (plan & (1 << kSeriesEq))) {
    ordered = true;  // one series: ts order is the output order
  }
  info->orderByConsumed = ordered;
  return SQLITE_OK;
}

// Narrows [lo, hi] by one ts constraint. Non-numeric operands are left to
// SQLite's re-check (they would compare by type, not value).
void ApplyTsBound(int slot, sqlite3_value* v, int64_t* lo, int64_t* hi, bool* empty) {
  int type = sqlite3_value_type(v);
  if (type == SQLITE_NULL) {
    *empty = true;  // nothing compares true with NULL
    return;
  }
  if (type != SQLITE_INTEGER && type != SQLITE_FLOAT) return;
  // Map the bound to an inclusive integer range [a, b] of allowed ts.
  int64_t a = kMinTime, b = kMaxTime;
  if (type == SQLITE_INTEGER) {
    int64_t x = sqlite3_value_int64(v);
    switch (slot) {
      case kTsEq: a = b = x; break;
      case kTsGe: a = x; break;
      case kTsGt:
        if (x == kMaxTime)
          *empty = true;
        else
          a = x + 1;
        break;
      case kTsLe: b = x; break;
      case kTsLt:
        if (x == kMinTime)
          *empty = true;
        else
          b = x - 1;
        break;
    }
  } else {
    double x = sqlite3_value_double(v);
    if (std::isnan(x)) return;
    auto clamp = [](double d) {
      if (d <= -9.2233720368547e18) return kMinTime;
      if (d >= 9.2233720368547e18) return kMaxTime;
      return static_cast<int64_t>(d);
    };
    switch (slot) {
      case kTsEq:
        if (x != std::floor(x))
          *empty = true;
        else
          a = b = clamp(x);
        break;
      case kTsGe: a = clamp(std::ceil(x)); break;
      case kTsGt: a = clamp(std::floor(x) + 1); break;
      case kTsLe: b = clamp(std::floor(x)); break;
      case kTsLt: b = clamp(std::ceil(x) - 1); break;
    }
  }
  *lo = std::max(*lo, a);
  *hi = std::min(*hi, b);
}

Status SamplesCursor::SettleOnRow() {
  for (;;) {
    if (it) {
      if (it->Valid()) return Status::OK();
      if (!it->status().ok()) return it->status();
      it.reset();
      ++series_pos;
    }
    if (series_pos >= series.size()) {
      eof = true;
      return Status::OK();
    }
    const SeriesInfo& s = series[series_pos];
    auto scan = db->Scan(s.id, lo, hi);
    if (!scan.ok()) {
      if (scan.status().IsNotFound()) {  // deleted since the filter ran
        ++series_pos;
        continue;
      }
      return scan.status();
    }
    it = std::move(*scan);
    metric = std::string(GetLabel(s.labels, kMetricNameLabel));
    labels_json = LabelsToJson(s.labels);
  }
}

Status SamplesCursor::Filter(int plan, int argc, sqlite3_value** argv) {
  series.clear();
  series_pos = 0;
  it.reset();
  selector.clear();
  rowid = 0;
  eof = false;
  lo = kMinTime;
  hi = kMaxTime;

  // The series slots come first, with the bits of SeriesConstraintBits.
  SeriesFilter filter;
  int arg = 0;
  OT_RETURN_IF_ERROR(ReadSeriesConstraints(plan, argv, argc, &arg, &filter));
  selector = filter.selector_text;
  for (int s = kTsEq; s < kNumSlots; ++s) {
    if (!(plan & (1 << s))) continue;
    if (arg >= argc) break;
    ApplyTsBound(s, argv[arg++], &lo, &hi, &filter.empty);
  }
  if (lo > hi) filter.empty = true;
  OT_ASSIGN_OR_RETURN(series, ResolveSeries(db, filter));
  return SettleOnRow();
}

Status SamplesCursor::Next() {
  it->Next();
  ++rowid;
  return SettleOnRow();
}

void SamplesCursor::Column(sqlite3_context* ctx, int col) const {
  const SeriesInfo& s = series[series_pos];
  switch (col) {
    case kColSeriesId: sqlite3_result_int64(ctx, static_cast<sqlite3_int64>(s.id)); break;
    case kColMetric: ResultText(ctx, metric); break;
    case kColLabels: ResultText(ctx, labels_json); break;
    case kColTs: sqlite3_result_int64(ctx, it->sample().ts); break;
    case kColValue: ResultValue(ctx, it->sample().value); break;
    case kColRaw: ResultRaw(ctx, it->sample().value); break;
    case kColSelector: ResultText(ctx, selector); break;
  }
}

Status FlushPending(SamplesVtab* t) {
  if (t->pending.empty()) return Status::OK();
  Status s = t->vt.db->Write(t->pending);
  t->pending.Clear();
  return s;
}

// argv: [0] old rowid, [1] new rowid, [2..] the columns in declaration order.
int InsertRow(sqlite3_vtab* vtab, int argc, sqlite3_value** argv) {
  auto* t = reinterpret_cast<SamplesVtab*>(vtab);
  if (argc == 1 || sqlite3_value_type(argv[0]) != SQLITE_NULL) {
    return SetError(vtab, Status::NotSupported("samples supports INSERT only; to delete, SELECT "
                                               "delete_samples(selector, start_ts, end_ts)"));
  }
  sqlite3_value** col = argv + 2;

  Labels labels;
  bool has_metric = sqlite3_value_type(col[kColMetric]) != SQLITE_NULL;
  bool has_labels = sqlite3_value_type(col[kColLabels]) != SQLITE_NULL;
  if (has_metric || has_labels) {
    auto l = LabelsFromSql(TextOf(col[kColMetric]), has_metric, TextOf(col[kColLabels]));
    if (!l.ok()) return SetError(vtab, l.status());
    labels = std::move(*l);
  } else if (sqlite3_value_numeric_type(col[kColSeriesId]) == SQLITE_INTEGER) {
    auto info = t->vt.db->GetSeries(static_cast<SeriesId>(sqlite3_value_int64(col[kColSeriesId])));
    if (!info.ok()) return SetError(vtab, info.status());
    labels = std::move(info->labels);
  } else {
    return SetError(vtab, Status::InvalidArgument(
                              "INSERT INTO samples needs metric (and labels) or an existing series_id"));
  }

  sqlite3_value* ts = col[kColTs];
  int ts_type = sqlite3_value_numeric_type(ts);
  double ts_real = sqlite3_value_double(ts);
  if (ts_type == SQLITE_FLOAT && ts_real == std::floor(ts_real) && std::fabs(ts_real) < 9.2e18) {
    ts_type = SQLITE_INTEGER;
  }
  if (ts_type != SQLITE_INTEGER) {
    return SetError(vtab, Status::InvalidArgument("ts must be an integer number of milliseconds"));
  }
  auto value = ValueFromSql(col[kColValue], col[kColRaw]);
  if (!value.ok()) return SetError(vtab, value.status());

  t->pending.Add(labels, sqlite3_value_int64(ts), *value);
  if (t->pending.num_samples() >= kInsertChunk) {
    Status s = FlushPending(t);
    if (!s.ok()) return SetError(vtab, s);
  }
  return SQLITE_OK;
}

int Update(sqlite3_vtab* vtab, int argc, sqlite3_value** argv, sqlite_int64*) {
  return GuardVtabCallback(vtab, [&] { return InsertRow(vtab, argc, argv); });
}

int Begin(sqlite3_vtab* vtab) {
  reinterpret_cast<SamplesVtab*>(vtab)->pending.Clear();
  return SQLITE_OK;
}

int Flush(sqlite3_vtab* vtab) {
  return GuardVtabCallback(vtab, [&] {
    Status s = FlushPending(reinterpret_cast<SamplesVtab*>(vtab));
    return s.ok() ? SQLITE_OK : SetError(vtab, s);
  });
}

// xSync writes what is pending; xCommit then finds nothing to write, unless
// the commit came without a sync.
int Sync(sqlite3_vtab* vtab) { return Flush(vtab); }
int Commit(sqlite3_vtab* vtab) { return Flush(vtab); }

int Rollback(sqlite3_vtab* vtab) {
  reinterpret_cast<SamplesVtab*>(vtab)->pending.Clear();
  return SQLITE_OK;
}

constexpr sqlite3_module MakeSamplesModule() {
  // xCreate as xConnect: eponymous, and CREATE VIRTUAL TABLE works.
  sqlite3_module m = CursorModule<SamplesCursor>(Connect, Connect, BestIndex, DisconnectTable<SamplesVtab>);
  m.xUpdate = Update;
  m.xBegin = Begin;
  m.xSync = Sync;
  m.xCommit = Commit;
  m.xRollback = Rollback;
  return m;
}

const sqlite3_module kSamplesModule = MakeSamplesModule();

}  // namespace

const sqlite3_module* SamplesModule() { return &kSamplesModule; }

}  // namespace overtone::sql
