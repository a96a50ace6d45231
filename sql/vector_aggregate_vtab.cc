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
#include "sql/vector_aggregate.h"
#include "sql/vector_result_cursor.h"
#include "sql/vtab_common.h"
#include "sql/vtabs.h"

namespace overtone::sql {
namespace {

constexpr int kNumArgs = 5;

struct AggregateCursor : VectorResultCursor<kNumArgs> {
  explicit AggregateCursor(sqlite3_vtab*) {}

  Status Filter(int plan, int argc, sqlite3_value** argv) {
    static const char* const kNames[kNumArgs] = {"op", "grouping", "labels", "k", "input"};
    OT_RETURN_IF_ERROR(Start(plan, argc, argv, "vector_aggregate(op, grouping, labels, k, input)", kNames));
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
    TakeResult();
    return Status::OK();
  }
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

}  // namespace

const sqlite3_module* VectorAggregateModule() { return &kVectorAggregateModule; }

}  // namespace overtone::sql
