// PromQL's aggregation operators in SQL (the work itself:
// vector_aggregate.h):
//
//   vector_aggregate(op, grouping, labels, k, input)
//       table-valued function: the aggregation of `input` (a prom_vector()
//       BLOB, vector_match_vtab.cc) at each of its steps, with labelset,
//       drop_name, ts, value columns. op as vector_aggregate.h names it;
//       grouping 'by' or 'without'; labels the comma-separated label names
//       ('' for none); k the k of topk / bottomk (else not read).
//
//   SELECT * FROM vector_aggregate('sum', 'by', 'role', 0,
//       (SELECT prom_vector(labelset, drop_name, ts, value) FROM input));
//
// HOW IT WORKS
// The PromQL translator used to GROUP BY each row's key (labels_keep() of
// its label-set JSON) and step: SQLite sorted every input row and the label
// functions ran per row. Here the input reaches C++ once, as its distinct
// series and its points; the grouping is made once per series and the fold
// runs per step over arrays. The function's arguments are its hidden
// columns, planned and kept as the other table functions'
// (sql/table_function.h).

#include <sqlite3.h>

#include <string>
#include <utility>

#include "sql/table_function.h"
#include "sql/value_repr.h"
#include "sql/vector_aggregate.h"
#include "sql/vtab_common.h"
#include "sql/vtabs.h"

namespace overtone::sql {
namespace {

// Columns: labelset, drop_name, ts, value, then the arguments.
enum Column { kLabelset, kDropName, kTs, kValue, kFirstArg };
constexpr int kNumArgs = 5;

struct AggregateCursor : RowsCursor<VectorOperand::Point> {
  explicit AggregateCursor(sqlite3_vtab*) {}

  Status Filter(int plan, int argc, sqlite3_value** argv) {
    rows.clear();
    pos = 0;
    args.Take(plan, kNumArgs, argc, argv);
    static const char* const kNames[kNumArgs] = {"op", "grouping", "labels", "k", "input"};
    for (int a = 0; a < kNumArgs; ++a) {
      if (args[a] == nullptr) {
        return Status::InvalidArgument(std::string("vector_aggregate(op, grouping, labels, k, input): ") +
                                       kNames[a] + " is missing");
      }
    }
    AggregateSpec spec;
    OT_ASSIGN_OR_RETURN(spec.kind, ParseAggregateKind(TextOf(args[0])));
    std::string grouping = TextOf(args[1]);
    if (grouping != "by" && grouping != "without") {
      return Status::InvalidArgument("vector_aggregate: grouping must be 'by' or 'without'");
    }
    spec.without = grouping == "without";
    spec.labels = NameList(TextOf(args[2]));
    spec.k = sqlite3_value_int64(args[3]);
    OT_ASSIGN_OR_RETURN(VectorOperand input, UnpackVector(BlobOf(args[4])));
    OT_ASSIGN_OR_RETURN(result, AggregateVector(spec, input));
    rows = std::move(result.points);
    return Status::OK();
  }

  void Column(sqlite3_context* ctx, int col) const {
    const VectorOperand::Point& p = row();
    switch (col) {
      case kLabelset: ResultText(ctx, result.series[p.series].labelset); return;
      case kDropName: sqlite3_result_int(ctx, result.series[p.series].drop_name ? 1 : 0); return;
      case kTs: sqlite3_result_int64(ctx, p.ts); return;
      case kValue: ResultValue(ctx, p.value); return;
      default:
        if (col >= kFirstArg && col < kFirstArg + kNumArgs && args[col - kFirstArg] != nullptr) {
          sqlite3_result_value(ctx, args[col - kFirstArg]);
        }
    }
  }

  FunctionArgs args;
  VectorOperand result;
};

int Connect(sqlite3* conn, void* aux, int, const char* const*, sqlite3_vtab** out, char**) {
  return ConnectTable(conn, aux,
                      "CREATE TABLE x(labelset TEXT, drop_name INTEGER, ts INTEGER, value REAL, op HIDDEN, "
                      "grouping HIDDEN, labels HIDDEN, k HIDDEN, input HIDDEN)",
                      out);
}

int BestIndex(sqlite3_vtab*, sqlite3_index_info* info) { return PlanFunctionArgs(info, kFirstArg, kNumArgs); }

const sqlite3_module kVectorAggregateModule =
    CursorModule<AggregateCursor>(/*create=*/nullptr, Connect, BestIndex, DisconnectTable<>);

}  // namespace

const sqlite3_module* VectorAggregateModule() { return &kVectorAggregateModule; }

}  // namespace overtone::sql
