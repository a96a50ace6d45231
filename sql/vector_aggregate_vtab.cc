// PromQL's aggregation operators in SQL (the work itself:
// vector_aggregate.h):
//
//   vector_aggregate(op, grouping, labels, k, input)
//       table-valued function: the aggregation of `input` (a prom_vector()
//       BLOB, vector_match_vtab.cc) at each of its steps, with labelset,
//       drop_name, ts, value columns. op as vector_aggregate.h names it;
//       grouping 'by' or 'without'; labels the comma-separated label names
//       ('' for none); k the k of topk / bottomk, the q of quantile (else
//       not read).
//
//   SELECT * FROM vector_aggregate('sum', 'by', 'role', 0,
//       (SELECT prom_vector(labelset, drop_name, ts, value) FROM input));
//
//   selector_aggregate(op, grouping, labels, k, fn, selector, start, end, step,
//                      range [, offset [, param [, quantile]]])
//       the same aggregation of a selector's instant vector that the engine
//       evaluates in the call (vector_source.h): fn 'instant' (range its
//       lookback), a range function ('rate', ...) or an `*_over_time`
//       function, param its parameter (NULL for none). With quantile, the
//       result is histogram_quantile(quantile, aggregation)
//       (vector_histogram.h).
//
//   SELECT * FROM selector_aggregate('sum', 'by', 'role', 0, 'rate',
//       'http_requests_total', :start, :end, 60000, 300000);
//
// HOW IT WORKS
// The PromQL translator used to GROUP BY each row's key (labels_keep() of
// its label-set JSON) and step: SQLite sorted every input row and the label
// functions ran per row. Here the input reaches C++ once, as its distinct
// series and its points; the grouping is made once per series and the fold
// runs per step over arrays. selector_aggregate() goes one step further:
// the selector's points go from the engine into the fold as they come
// (StepFold: a state per group and step, never the points themselves; topk
// and bottomk gather the points and rank them), and no row but the
// result's passes through SQLite. The function's arguments are its hidden
// columns, planned and kept as the other table functions'
// (sql/table_function.h).

#include <sqlite3.h>

#include <cmath>
#include <optional>
#include <string>
#include <utility>

#include "engine/range_functions.h"
#include "sql/table_function.h"
#include "sql/vector_aggregate.h"
#include "sql/vector_histogram.h"
#include "sql/vector_result_cursor.h"
#include "sql/vector_source.h"
#include "sql/vtab_common.h"
#include "sql/vtabs.h"

namespace overtone::sql {
namespace {

constexpr int kNumArgs = 5;

// The aggregation the first four arguments name (op, grouping, labels, k).
Result<AggregateSpec> SpecOf(const FunctionArgs& args, const char* table) {
  AggregateSpec spec;
  OT_ASSIGN_OR_RETURN(spec.kind, ParseAggregateKind(TextOf(args[0])));
  std::string grouping = TextOf(args[1]);
  if (grouping != "by" && grouping != "without") {
    return Status::InvalidArgument(std::string(table) + ": grouping must be 'by' or 'without'");
  }
  spec.without = grouping == "without";
  spec.labels = NameList(TextOf(args[2]));
  // k: topk's and bottomk's k, quantile's q.
  spec.k = sqlite3_value_int64(args[3]);
  spec.q = sqlite3_value_double(args[3]);
  return spec;
}

struct AggregateCursor : VectorResultCursor<kNumArgs> {
  explicit AggregateCursor(sqlite3_vtab*) {}

  Status Filter(int plan, int argc, sqlite3_value** argv) {
    static const char* const kNames[kNumArgs] = {"op", "grouping", "labels", "k", "input"};
    OT_RETURN_IF_ERROR(Start(plan, argc, argv, "vector_aggregate(op, grouping, labels, k, input)", kNames));
    OT_ASSIGN_OR_RETURN(AggregateSpec spec, SpecOf(args, "vector_aggregate"));
    OT_ASSIGN_OR_RETURN(VectorOperand input, UnpackVector(BlobOf(args[4])));
    OT_ASSIGN_OR_RETURN(result, AggregateVector(spec, input));
    TakeResult();
    return Status::OK();
  }
};

// selector_aggregate(): the aggregation's arguments, the source's, then
// the optional offset, param and quantile.
constexpr int kSelectorNumArgs = 13, kSelectorRequired = 10;
enum SelectorArg { kFn = 4, kSelector, kStart, kEnd, kStep, kRange, kOffset, kParam, kQuantile };

struct SelectorAggregateCursor : VectorResultCursor<kSelectorNumArgs> {
  explicit SelectorAggregateCursor(sqlite3_vtab* vtab) : table(reinterpret_cast<OvertoneVtab*>(vtab)) {}

  Status Filter(int plan, int argc, sqlite3_value** argv) {
    static const char* const kNames[kSelectorNumArgs] = {"op",       "grouping", "labels",  "k",    "fn",
                                                         "selector", "start",    "end",     "step", "range",
                                                         "offset",   "param",    "quantile"};
    static const char* const kSignature =
        "selector_aggregate(op, grouping, labels, k, fn, selector, start, end, step, range [, offset [, "
        "param "
        "[, quantile]]])";
    OT_RETURN_IF_ERROR(Start(plan, argc, argv, kSignature, kNames, kSelectorRequired));
    OT_ASSIGN_OR_RETURN(AggregateSpec spec, SpecOf(args, "selector_aggregate"));
    OT_ASSIGN_OR_RETURN(VectorSource src, VectorSourceOf(args, kFn, "selector_aggregate"));
    OT_ASSIGN_OR_RETURN(VectorOperand aggregated, Aggregate(spec, src));
    if (!args.Present(kQuantile)) {
      result = std::move(aggregated);
    } else {
      OT_ASSIGN_OR_RETURN(result, HistogramQuantileVector(sqlite3_value_double(args[kQuantile]), aggregated));
    }
    TakeResult();
    return Status::OK();
  }

  // topk, bottomk and quantile rank the source's points, kept whole; the
  // others fold them as they come (StepFold), holding a state per group and
  // step.
  Result<VectorOperand> Aggregate(const AggregateSpec& spec, const VectorSource& src) {
    if (spec.kind == AggregateKind::kTopk || spec.kind == AggregateKind::kBottomk ||
        spec.kind == AggregateKind::kQuantile) {
      OT_ASSIGN_OR_RETURN(VectorOperand input, EvaluateVectorSource(table->db, table->cancel, src));
      return AggregateVector(spec, input);
    }
    const size_t num_steps = static_cast<size_t>((src.end - src.start) / src.step) + 1;
    std::optional<StepFold> fold;
    ChargedBytes charged(table->cancel);
    SeriesId last_id = 0;
    bool first = true, drop_name = false;
    OT_RETURN_IF_ERROR(ForEachSourcePoint(table->db, table->cancel, src, &drop_name,
                                          [&](const SeriesInfo& s, int64_t ts, double v) -> Status {
                                            if (first || s.id != last_id) {
                                              if (!fold)
                                                fold.emplace(spec, src.start, src.step, num_steps, drop_name);
                                              size_t before = fold->StateBytes();
                                              fold->StartSeries(SeriesLabelPairs(s.labels));
                                              OT_RETURN_IF_ERROR(charged.Charge(fold->StateBytes() - before));
                                              first = false;
                                              last_id = s.id;
                                            }
                                            return fold->Add(ts, v);
                                          }));
    if (!fold) return VectorOperand{};
    return fold->Finish();
  }

  const OvertoneVtab* table;
};

int Connect(sqlite3* conn, void* aux, int, const char* const*, sqlite3_vtab** out, char**) {
  return ConnectTable(conn, aux,
                      "CREATE TABLE x(labelset TEXT, drop_name INTEGER, ts INTEGER, value REAL, op HIDDEN, "
                      "grouping HIDDEN, labels HIDDEN, k HIDDEN, input HIDDEN)",
                      out);
}

int BestIndex(sqlite3_vtab*, sqlite3_index_info* info) {
  return PlanFunctionArgs(info, kVectorFirstArg, kNumArgs);
}

const sqlite3_module kVectorAggregateModule =
    CursorModule<AggregateCursor>(/*create=*/nullptr, Connect, BestIndex, DisconnectTable<>);

int ConnectSelector(sqlite3* conn, void* aux, int, const char* const*, sqlite3_vtab** out, char**) {
  return ConnectTable(
      conn, aux,
      "CREATE TABLE x(labelset TEXT, drop_name INTEGER, ts INTEGER, value REAL, op HIDDEN, "
      "grouping HIDDEN, labels HIDDEN, k HIDDEN, fn HIDDEN, selector HIDDEN, \"start\" HIDDEN, "
      "\"end\" HIDDEN, step HIDDEN, \"range\" HIDDEN, \"offset\" HIDDEN, param HIDDEN, "
      "quantile HIDDEN)",
      out);
}

int BestIndexSelector(sqlite3_vtab*, sqlite3_index_info* info) {
  return PlanFunctionArgs(info, kVectorFirstArg, kSelectorNumArgs);
}

const sqlite3_module kSelectorAggregateModule = CursorModule<SelectorAggregateCursor>(
    /*create=*/nullptr, ConnectSelector, BestIndexSelector, DisconnectTable<>);

}  // namespace

const sqlite3_module* VectorAggregateModule() { return &kVectorAggregateModule; }
const sqlite3_module* SelectorAggregateModule() { return &kSelectorAggregateModule; }

}  // namespace overtone::sql
