// A PromQL selector, range function or `*_over_time` function as one row a
// series:
//
//   vector_series(fn, selector, start, end, step, range [, offset [, param]])
//       table-valued function with the columns
//         labelset  the series' label set as the expression leaves it
//                   (canonical JSON, sql/labelset_json.h): without __name__
//                   where PromQL drops it (the range functions and the
//                   `*_over_time` functions other than last and first)
//         points    the series' points at the steps, by time, packed in a
//                   BLOB (sql/packed_points.h)
//       The arguments are selector_aggregate()'s from fn on
//       (vector_aggregate_vtab.cc, sql/vector_source.h): fn 'instant' (range
//       its lookback), a range function ('rate', ...) or an `*_over_time`
//       function; offset in ms; param the function's parameter (quantile's
//       q, predict_linear's seconds), NULL for none.
//
//   SELECT labelset, length(points) / 16 AS points
//     FROM vector_series('rate', 'http_requests_total', :start, :end, 60000, 300000);
//
//   vector_source(fn, selector, start, end, step, range [, offset [, param]])
//       the same source as one row, one column `vector`: what
//       prom_vector(labelset, drop_name, ts, value) makes of its rows
//       (sql/vector_match.h), the operand vector_match(),
//       vector_aggregate(), subquery_window() and vector_unique() take.
//
//   SELECT * FROM vector_match('div', 0, 'one_to_one', 'ignoring', '', '',
//       (SELECT vector FROM vector_source('rate', 'tx_bytes_total', :start, :end, 60000, 300000)),
//       (SELECT vector FROM vector_source('rate', 'rx_bytes_total', :start, :end, 60000, 300000)));
//
// HOW IT WORKS
// The engine evaluates the source as for selector_aggregate() and the
// points go straight into each series' BLOB. A query whose result is such
// a source (the root of a PromQL query, adapters/promql/translator.cc)
// then reads a row per series instead of a row per point: stepping SQLite
// and computing each row's label set cost far more than the points
// themselves. The name is dropped once per series, here. vector_source()
// likewise spares an operand's rows and prom_vector()'s step on each.
// The rows are charged to the query's working memory as they are built, and
// each row is let go, charge and all, as the cursor leaves it (SQLite gets
// copies of its columns): the reader builds its answer from the rows, so the
// two are not held in full at once.

#include <sqlite3.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "engine/range_functions.h"
#include "sql/labelset_json.h"
#include "sql/packed_points.h"
#include "sql/table_function.h"
#include "sql/vector_match.h"
#include "sql/vector_source.h"
#include "sql/vtab_common.h"
#include "sql/vtab_cursor.h"
#include "sql/vtabs.h"

namespace overtone::sql {
namespace {

enum Column { kLabelset, kPoints, kFirstArg };
enum Arg { kFn, kSelector, kStart, kEnd, kStep, kRange, kOffset, kParam, kNumArgs };
constexpr int kRequiredArgs = kOffset;
constexpr const char* kNames[kNumArgs] = {"fn",   "selector", "start",  "end",
                                          "step", "range",    "offset", "param"};
constexpr const char* kSignature =
    "vector_series(fn, selector, start, end, step, range [, offset [, param]])";

// Bytes charged at a time: one atomic add per few thousand points.
constexpr size_t kChargeStep = 64 << 10;

struct PackedSeries {
  std::string labelset;
  std::string points;
};

// The label set the series leaves the expression with.
std::string ResultLabelset(const Labels& labels, bool drop_name) {
  if (!drop_name) return SeriesLabelsetJson(labels);
  LabelPairs pairs = SeriesLabelPairs(labels);
  std::erase_if(pairs, [](const auto& p) { return p.first == kMetricNameLabel; });
  return LabelsetJson(pairs);
}

// The source the arguments name; `signature` names the function in errors.
Result<VectorSource> SourceOf(const FunctionArgs& args, const char* signature) {
  for (int a = 0; a < kRequiredArgs; ++a) {
    if (args[a] == nullptr)
      return Status::InvalidArgument(std::string(signature) + ": " + kNames[a] + " is missing");
  }
  const std::string_view signature_text(signature);
  return VectorSourceOf(args, 0, signature_text.substr(0, signature_text.find('(')));
}

// The bytes a series' row is charged for.
size_t ChargeOf(const PackedSeries& s) { return sizeof(PackedSeries) + s.labelset.size() + s.points.size(); }

struct VectorSeriesCursor : RowsCursor<PackedSeries> {
  explicit VectorSeriesCursor(sqlite3_vtab* vtab) : table(reinterpret_cast<OvertoneVtab*>(vtab)) {}

  // The series the cursor leaves is let go, and its charge with it: the
  // reader has its copy (Column returns the columns as SQLite's own), so a
  // large answer is not held twice over, as these rows and as the reader's
  // result, and the query's working memory counts only what is still held.
  Status Next() {
    if (pos < rows.size()) {
      if (charged) charged->Release(ChargeOf(rows[pos]));
      rows[pos] = PackedSeries{};
    }
    ++pos;
    return Status::OK();
  }

  Status Filter(int plan, int argc, sqlite3_value** argv) {
    rows.clear();
    pos = 0;
    charged.reset();
    args.Take(plan, kNumArgs, argc, argv);
    OT_ASSIGN_OR_RETURN(VectorSource src, SourceOf(args, kSignature));
    charged.emplace(table->cancel);
    size_t uncharged = 0;
    SeriesId last_id = 0;
    bool drop_name = false;
    OT_RETURN_IF_ERROR(ForEachSourcePoint(
        table->db, table->cancel, src, &drop_name, [&](const SeriesInfo& s, int64_t ts, double v) -> Status {
          if (rows.empty() || last_id != s.id) {
            // The series of a selector mostly have as many points
            // each: room for the previous one's, not regrown.
            size_t expect = rows.empty() ? 0 : rows.back().points.size();
            rows.push_back(PackedSeries{ResultLabelset(s.labels, drop_name), {}});
            rows.back().points.reserve(expect);
            last_id = s.id;
            uncharged += sizeof(PackedSeries) + rows.back().labelset.size();
          }
          AppendPackedPoint(&rows.back().points, ts, v);
          uncharged += kPackedPointBytes;  // as ChargeOf() counts them
          if (uncharged < kChargeStep) return Status::OK();
          return charged->Charge(std::exchange(uncharged, 0));
        }));
    // The rest too: Next() gives back each row's whole charge.
    return charged->Charge(uncharged);
  }

  void Column(sqlite3_context* ctx, int col) const {
    const PackedSeries& s = row();
    switch (col) {
      // Copied (transient): Next() lets the row go, and a value SQLite
      // keeps past the row (max(points), a sorter) must stay valid.
      case kLabelset:
        sqlite3_result_text(ctx, s.labelset.data(), static_cast<int>(s.labelset.size()), SQLITE_TRANSIENT);
        return;
      case kPoints: sqlite3_result_blob64(ctx, s.points.data(), s.points.size(), SQLITE_TRANSIENT); return;
      default:
        if (col >= kFirstArg && col < kFirstArg + static_cast<int>(kNumArgs)) args.Echo(ctx, col - kFirstArg);
    }
  }

  const OvertoneVtab* table;
  FunctionArgs args;
  std::optional<ChargedBytes> charged;
};

// vector_source(): one row, the source packed as prom_vector() packs rows.
struct VectorSourceCursor : VtabCursor {
  explicit VectorSourceCursor(sqlite3_vtab* vtab) : table(reinterpret_cast<OvertoneVtab*>(vtab)) {}

  Status Filter(int plan, int argc, sqlite3_value** argv) {
    eof = true;
    args.Take(plan, kNumArgs, argc, argv);
    OT_ASSIGN_OR_RETURN(
        VectorSource src,
        SourceOf(args, "vector_source(fn, selector, start, end, step, range [, offset [, param]])"));
    OT_ASSIGN_OR_RETURN(VectorOperand v, EvaluateVectorSource(table->db, table->cancel, src));
    packed = PackVector(v);
    eof = false;
    return Status::OK();
  }
  Status Next() {
    eof = true;
    return Status::OK();
  }
  bool Eof() const { return eof; }
  sqlite3_int64 Rowid() const { return 0; }
  void Column(sqlite3_context* ctx, int col) const {
    if (col == 0) {
      sqlite3_result_blob64(ctx, packed.data(), packed.size(), SQLITE_STATIC);
    } else if (col >= 1 && col < 1 + kNumArgs) {
      args.Echo(ctx, col - 1);
    }
  }

  const OvertoneVtab* table;
  FunctionArgs args;
  std::string packed;
  bool eof = true;
};

int Connect(sqlite3* conn, void* aux, int, const char* const*, sqlite3_vtab** out, char**) {
  return ConnectTable(
      conn, aux,
      "CREATE TABLE x(labelset TEXT, points BLOB, fn HIDDEN, selector HIDDEN, \"start\" HIDDEN, "
      "\"end\" HIDDEN, step HIDDEN, \"range\" HIDDEN, \"offset\" HIDDEN, param HIDDEN)",
      out);
}

int BestIndex(sqlite3_vtab*, sqlite3_index_info* info) { return PlanFunctionArgs(info, kFirstArg, kNumArgs); }

const sqlite3_module kVectorSeriesModule =
    CursorModule<VectorSeriesCursor>(/*create=*/nullptr, Connect, BestIndex, DisconnectTable<>);

int ConnectSource(sqlite3* conn, void* aux, int, const char* const*, sqlite3_vtab** out, char**) {
  return ConnectTable(
      conn, aux,
      "CREATE TABLE x(vector BLOB, fn HIDDEN, selector HIDDEN, \"start\" HIDDEN, \"end\" HIDDEN, "
      "step HIDDEN, \"range\" HIDDEN, \"offset\" HIDDEN, param HIDDEN)",
      out);
}

int BestIndexSource(sqlite3_vtab*, sqlite3_index_info* info) { return PlanFunctionArgs(info, 1, kNumArgs); }

const sqlite3_module kVectorSourceModule =
    CursorModule<VectorSourceCursor>(/*create=*/nullptr, ConnectSource, BestIndexSource, DisconnectTable<>);

}  // namespace

const sqlite3_module* VectorSeriesModule() { return &kVectorSeriesModule; }
const sqlite3_module* VectorSourceModule() { return &kVectorSourceModule; }

}  // namespace overtone::sql
