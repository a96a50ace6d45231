// vector_unique(input): an instant vector over a range of steps (a
// prom_vector() BLOB, vector_match_vtab.cc) as it is, with the columns
// labelset, drop_name, ts, value; or Prometheus's error "vector cannot
// contain metrics with the same labelset" when two of its points at one
// step have the same label set (drop_name aside). label_replace() and
// label_join() make new label sets that may collide:
//
//   SELECT * FROM vector_unique(
//       (SELECT prom_vector(label_replace(labelset, 'dst', '$1', 'src', '(.*)'), drop_name, ts, value)
//        FROM input));
//
// HOW IT WORKS
// The PromQL translator used to count the rows of each (ts, labelset) with
// a window function: SQLite sorted every row by its label-set text. Here
// each distinct label set is numbered once, and the check sorts the
// points' (ts, number) pairs.

#include <sqlite3.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "sql/table_function.h"
#include "sql/vector_match.h"
#include "sql/vector_result_cursor.h"
#include "sql/vtab_common.h"
#include "sql/vtabs.h"

namespace overtone::sql {
namespace {

constexpr int kNumArgs = 1;

Status CheckUniqueLabelsets(const VectorOperand& v) {
  // The series' label sets numbered, drop_name aside: series that differ
  // only in it are one label set.
  std::unordered_map<std::string_view, uint32_t> numbers;
  std::vector<uint32_t> number_of(v.series.size());
  for (size_t i = 0; i < v.series.size(); ++i) {
    number_of[i] = numbers.emplace(v.series[i].labelset, static_cast<uint32_t>(numbers.size())).first->second;
  }
  std::vector<std::pair<int64_t, uint32_t>> keys;
  keys.reserve(v.points.size());
  for (const VectorOperand::Point& p : v.points) keys.emplace_back(p.ts, number_of[p.series]);
  std::sort(keys.begin(), keys.end());
  if (std::adjacent_find(keys.begin(), keys.end()) != keys.end()) {
    return Status::Aborted("vector cannot contain metrics with the same labelset");
  }
  return Status::OK();
}

struct UniqueCursor : VectorResultCursor<kNumArgs> {
  explicit UniqueCursor(sqlite3_vtab*) {}

  Status Filter(int plan, int argc, sqlite3_value** argv) {
    static const char* const kNames[kNumArgs] = {"input"};
    OT_RETURN_IF_ERROR(Start(plan, argc, argv, "vector_unique(input)", kNames));
    OT_ASSIGN_OR_RETURN(result, UnpackVector(BlobOf(args[0])));
    OT_RETURN_IF_ERROR(CheckUniqueLabelsets(result));
    TakeResult();
    return Status::OK();
  }
};

int Connect(sqlite3* conn, void* aux, int, const char* const*, sqlite3_vtab** out, char**) {
  return ConnectTable(
      conn, aux, "CREATE TABLE x(labelset TEXT, drop_name INTEGER, ts INTEGER, value REAL, input HIDDEN)",
      out);
}

int BestIndex(sqlite3_vtab*, sqlite3_index_info* info) {
  return PlanFunctionArgs(info, kVectorFirstArg, kNumArgs);
}

const sqlite3_module kVectorUniqueModule =
    CursorModule<UniqueCursor>(/*create=*/nullptr, Connect, BestIndex, DisconnectTable<>);

}  // namespace

const sqlite3_module* VectorUniqueModule() { return &kVectorUniqueModule; }

}  // namespace overtone::sql
