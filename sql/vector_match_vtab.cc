// PromQL's vector matching in SQL (the work itself: vector_match.h):
//
//   prom_vector(labelset, drop_name, ts, value)   aggregate: the rows of an
//       instant vector over a range of steps, packed into one BLOB
//   vector_match(op, bool, card, matching, labels, include, lhs, rhs)
//       table-valued function: `lhs op rhs` with labelset, drop_name, ts,
//       value columns. op as vector_match.h names it; bool 1 for a
//       comparison's `bool`; card one_to_one, many_to_one (group_left) or
//       one_to_many (group_right); matching 'on' or 'ignoring'; labels and
//       include the comma-separated label names of on/ignoring and
//       group_x ('' for none: label names hold no comma); lhs and rhs
//       prom_vector() BLOBs.
//   vector_match_series(op, bool, card, matching, labels, include, lhs, rhs)
//       the same answer one row a series: labelset, drop_name, and points,
//       the series' points by time packed in a BLOB (sql/packed_points.h),
//       as vector_series() gives a query's root selector. For a query
//       whose root is the matching: SQLite then handles a row per series,
//       not one per point, and the caller unpacks the points.
//
//   SELECT * FROM vector_match('div', 0, 'many_to_one', 'on', 'job', 'env',
//       (SELECT prom_vector(labelset, drop_name, ts, value) FROM lhs),
//       (SELECT prom_vector(labelset, drop_name, ts, value) FROM rhs));
//
// HOW IT WORKS
// The PromQL translator used to join the operands' rows on (ts, key) in SQL,
// computing each row's key from its label-set JSON: per sample and per step.
// Here each operand reaches C++ once, as its distinct series and its points,
// and the matching runs over arrays (vector_match.h). The function's
// arguments are its hidden columns, planned and kept as the other table
// functions' (sql/table_function.h).

#include <sqlite3.h>

#include <cmath>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "sql/packed_points.h"
#include "sql/table_function.h"
#include "sql/value_repr.h"
#include "sql/vector_match.h"
#include "sql/vector_result_cursor.h"
#include "sql/vtab_common.h"
#include "sql/vtabs.h"

namespace overtone::sql {
namespace {

constexpr int kNumArgs = 8;

struct PackState {
  VectorOperand v;
  std::unordered_map<std::string, uint32_t> index;  // labelset + drop_name flag -> series
  uint32_t last = UINT32_MAX;                       // the previous row's series
};

void PackStep(sqlite3_context* ctx, int, sqlite3_value** argv) {
  auto** slot = static_cast<PackState**>(sqlite3_aggregate_context(ctx, sizeof(PackState*)));
  if (slot == nullptr) return sqlite3_result_error_nomem(ctx);
  if (*slot == nullptr) *slot = new PackState();
  PackState* s = *slot;
  const char* text = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
  std::string_view labelset =
      text == nullptr ? std::string_view() : std::string_view(text, sqlite3_value_bytes(argv[0]));
  bool drop_name = sqlite3_value_int(argv[1]) != 0;
  // The rows of one series mostly come together: the previous row's series
  // is checked before the index.
  uint32_t series = s->last;
  if (series >= s->v.series.size() || s->v.series[series].drop_name != drop_name ||
      s->v.series[series].labelset != labelset) {
    std::string key(labelset);
    key.push_back(drop_name ? '\1' : '\0');
    auto [it, inserted] = s->index.emplace(std::move(key), static_cast<uint32_t>(s->v.series.size()));
    if (inserted) s->v.series.push_back(VectorOperand::Series{std::string(labelset), drop_name});
    series = s->last = it->second;
  }
  double value = sqlite3_value_type(argv[3]) == SQLITE_NULL ? std::nan("") : sqlite3_value_double(argv[3]);
  s->v.points.push_back(VectorOperand::Point{series, sqlite3_value_int64(argv[2]), value});
}

void PackFinal(sqlite3_context* ctx) {
  auto** slot = static_cast<PackState**>(sqlite3_aggregate_context(ctx, 0));
  std::unique_ptr<PackState> s(slot == nullptr ? nullptr : std::exchange(*slot, nullptr));
  std::string bytes = PackVector(s ? s->v : VectorOperand{});
  sqlite3_result_blob64(ctx, bytes.data(), bytes.size(), SQLITE_TRANSIENT);
}

const char* const kSignature = "vector_match(op, bool, card, matching, labels, include, lhs, rhs)";
const char* const kArgNames[kNumArgs] = {"op", "bool", "card", "matching", "labels", "include", "lhs", "rhs"};

// The matching that the arguments of either table ask for.
Result<VectorOperand> MatchOfArgs(const FunctionArgs& args) {
  MatchSpec spec;
  OT_ASSIGN_OR_RETURN(spec.op, ParseMatchOp(TextOf(args[0])));
  spec.return_bool = sqlite3_value_int(args[1]) != 0;
  OT_ASSIGN_OR_RETURN(spec.card, ParseMatchCard(TextOf(args[2])));
  std::string matching = TextOf(args[3]);
  if (matching != "on" && matching != "ignoring") {
    return Status::InvalidArgument("vector_match: matching must be 'on' or 'ignoring'");
  }
  spec.on = matching == "on";
  spec.labels = NameList(TextOf(args[4]));
  spec.include = NameList(TextOf(args[5]));
  OT_ASSIGN_OR_RETURN(VectorOperand lhs, UnpackVector(BlobOf(args[6])));
  OT_ASSIGN_OR_RETURN(VectorOperand rhs, UnpackVector(BlobOf(args[7])));
  return MatchVectors(spec, lhs, rhs);
}

struct MatchCursor : VectorResultCursor<kNumArgs> {
  explicit MatchCursor(sqlite3_vtab*) {}

  Status Filter(int plan, int argc, sqlite3_value** argv) {
    OT_RETURN_IF_ERROR(Start(plan, argc, argv, kSignature, kArgNames));
    OT_ASSIGN_OR_RETURN(result, MatchOfArgs(args));
    TakeResult();
    return Status::OK();
  }
};

// vector_match_series(): a row a result series, its points packed.
enum SeriesColumn { kSeriesLabelset, kSeriesDropName, kSeriesPoints, kSeriesFirstArg };

struct PackedSeries {
  uint32_t series;     // in the cursor's result.series
  std::string points;  // sql/packed_points.h
};

struct MatchSeriesCursor : RowsCursor<PackedSeries> {
  explicit MatchSeriesCursor(sqlite3_vtab*) {}

  Status Filter(int plan, int argc, sqlite3_value** argv) {
    rows.clear();
    pos = 0;
    args.Take(plan, kNumArgs, argc, argv);
    for (int a = 0; a < kNumArgs; ++a) {
      if (args[a] == nullptr)
        return Status::InvalidArgument(
            std::string("vector_match_series(op, bool, card, matching, labels, include, lhs, rhs): ") +
            kArgNames[a] + " is missing");
    }
    OT_ASSIGN_OR_RETURN(result, MatchOfArgs(args));
    // The points come step by step, each series' by time: a stable split
    // by series keeps that order.
    std::vector<size_t> count(result.series.size(), 0);
    for (const VectorOperand::Point& p : result.points) ++count[p.series];
    std::vector<uint32_t> row_of(result.series.size(), UINT32_MAX);
    for (uint32_t s = 0; s < result.series.size(); ++s) {
      if (count[s] == 0) continue;
      row_of[s] = static_cast<uint32_t>(rows.size());
      rows.push_back(PackedSeries{s, {}});
      rows.back().points.reserve(count[s] * kPackedPointBytes);
    }
    for (const VectorOperand::Point& p : result.points) {
      AppendPackedPoint(&rows[row_of[p.series]].points, p.ts, p.value);
    }
    result.points = {};
    return Status::OK();
  }

  void Column(sqlite3_context* ctx, int col) const {
    const PackedSeries& s = row();
    switch (col) {
      case kSeriesLabelset: ResultString(ctx, result.series[s.series].labelset); return;
      case kSeriesDropName: sqlite3_result_int(ctx, result.series[s.series].drop_name ? 1 : 0); return;
      case kSeriesPoints:
        // Static: the row outlives SQLite's use of the value.
        sqlite3_result_blob64(ctx, s.points.data(), s.points.size(), SQLITE_STATIC);
        return;
      default:
        if (col >= kSeriesFirstArg && col < kSeriesFirstArg + kNumArgs) args.Echo(ctx, col - kSeriesFirstArg);
    }
  }

  FunctionArgs args;
  VectorOperand result;
};

int Connect(sqlite3* conn, void* aux, int, const char* const*, sqlite3_vtab** out, char**) {
  return ConnectTable(conn, aux,
                      "CREATE TABLE x(labelset TEXT, drop_name INTEGER, ts INTEGER, value REAL, op HIDDEN, "
                      "bool HIDDEN, card HIDDEN, matching HIDDEN, labels HIDDEN, include HIDDEN, lhs HIDDEN, "
                      "rhs HIDDEN)",
                      out);
}

int BestIndex(sqlite3_vtab*, sqlite3_index_info* info) {
  return PlanFunctionArgs(info, kVectorFirstArg, kNumArgs);
}

const sqlite3_module kVectorMatchModule =
    CursorModule<MatchCursor>(/*create=*/nullptr, Connect, BestIndex, DisconnectTable<>);

int ConnectSeries(sqlite3* conn, void* aux, int, const char* const*, sqlite3_vtab** out, char**) {
  return ConnectTable(conn, aux,
                      "CREATE TABLE x(labelset TEXT, drop_name INTEGER, points BLOB, op HIDDEN, bool HIDDEN, "
                      "card HIDDEN, matching HIDDEN, labels HIDDEN, include HIDDEN, lhs HIDDEN, rhs HIDDEN)",
                      out);
}

int BestIndexSeries(sqlite3_vtab*, sqlite3_index_info* info) {
  return PlanFunctionArgs(info, kSeriesFirstArg, kNumArgs);
}

const sqlite3_module kVectorMatchSeriesModule =
    CursorModule<MatchSeriesCursor>(/*create=*/nullptr, ConnectSeries, BestIndexSeries, DisconnectTable<>);

}  // namespace

const sqlite3_module* VectorMatchModule() { return &kVectorMatchModule; }
const sqlite3_module* VectorMatchSeriesModule() { return &kVectorMatchSeriesModule; }

Status RegisterVectorPack(sqlite3* conn) {
  int rc = sqlite3_create_function_v2(conn, "prom_vector", 4, SQLITE_UTF8 | SQLITE_INNOCUOUS, nullptr,
                                      nullptr, Guarded<PackStep>, GuardedFinal<PackFinal>, nullptr);
  if (rc != SQLITE_OK)
    return Status::Internal(std::string("registering prom_vector: ") + sqlite3_errmsg(conn));
  return Status::OK();
}

}  // namespace overtone::sql
