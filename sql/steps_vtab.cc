// prom_steps(start, end, step): the evaluation steps of a PromQL range,
// t = start, start+step, ... <= end (ms), one row each with the column ts.
//
//   SELECT ts FROM prom_steps(0, 600000, 60000);   -- 0, 60000, ..., 600000
//
// The PromQL translator joins against the steps wherever a value exists at
// every step regardless of data: vector(s), time(), absent(), scalar(v),
// `@`. A recursive CTE made them before, at about a thousand instructions a
// step (a queue table, a row inserted and read back per step); here a step
// is a counter moved forward. An empty range (start > end) has no row; a
// step that is not positive, or more steps than a range query may have, is
// an error, as for the other table functions (engine/range_functions.h,
// ValidateSteps).

#include <sqlite3.h>

#include <cmath>
#include <string>

#include "engine/range_functions.h"
#include "sql/table_function.h"
#include "sql/vtab_common.h"
#include "sql/vtab_cursor.h"
#include "sql/vtabs.h"

namespace overtone::sql {
namespace {

constexpr int kColStepTs = 0, kFirstArg = 1, kNumArgs = 3;

struct StepsCursor : VtabCursor {
  explicit StepsCursor(sqlite3_vtab*) {}

  Status Filter(int plan, int argc, sqlite3_value** argv) {
    static const char* const kNames[kNumArgs] = {"start", "end", "step"};
    int64_t* out[kNumArgs] = {&start, &end, &step};
    int arg = 0;
    for (int a = 0; a < kNumArgs; ++a) {
      if (!(plan & (1 << a)) || arg >= argc) {
        return Status::InvalidArgument(std::string("prom_steps(start, end, step): ") + kNames[a] +
                                       " is missing");
      }
      sqlite3_value* v = argv[arg++];
      int type = sqlite3_value_numeric_type(v);
      if (type == SQLITE_FLOAT && std::floor(sqlite3_value_double(v)) == sqlite3_value_double(v)) {
        type = SQLITE_INTEGER;
      }
      if (type != SQLITE_INTEGER) {
        return Status::InvalidArgument(std::string("prom_steps: ") + kNames[a] + " must be an integer (ms)");
      }
      *out[a] = sqlite3_value_int64(v);
    }
    eof = start > end;
    if (!eof) OT_RETURN_IF_ERROR(ValidateSteps(start, end, step));
    ts = start;
    return Status::OK();
  }
  Status Next() {
    // Rather than ts + step > end, which could overflow.
    if (ts > end - step) {
      eof = true;
    } else {
      ts += step;
    }
    return Status::OK();
  }
  bool Eof() const { return eof; }
  sqlite3_int64 Rowid() const { return ts; }
  void Column(sqlite3_context* ctx, int col) const {
    switch (col) {
      case kColStepTs: sqlite3_result_int64(ctx, ts); return;
      case kFirstArg: sqlite3_result_int64(ctx, start); return;
      case kFirstArg + 1: sqlite3_result_int64(ctx, end); return;
      case kFirstArg + 2: sqlite3_result_int64(ctx, step); return;
    }
  }

  int64_t start = 0, end = 0, step = 1, ts = 0;
  bool eof = true;
};

int Connect(sqlite3* conn, void* aux, int, const char* const*, sqlite3_vtab** out, char**) {
  return ConnectTable(conn, aux, "CREATE TABLE x(ts INTEGER, \"start\" HIDDEN, \"end\" HIDDEN, step HIDDEN)",
                      out);
}

int BestIndex(sqlite3_vtab*, sqlite3_index_info* info) { return PlanFunctionArgs(info, kFirstArg, kNumArgs); }

const sqlite3_module kStepsModule =
    CursorModule<StepsCursor>(/*create=*/nullptr, Connect, BestIndex, DisconnectTable<>);

}  // namespace

const sqlite3_module* StepsModule() { return &kStepsModule; }

}  // namespace overtone::sql
