// The cursor shared by the table functions that answer a whole instant
// vector over its steps (vector_match(), vector_aggregate(),
// selector_aggregate()): the arguments are required but for trailing ones, the work runs once in xFilter into
// a VectorOperand, and the rows are its points with the columns labelset, drop_name, ts, value, then the
// arguments as hidden columns.

#pragma once

#include <sqlite3.h>

#include <string>
#include <utility>

#include "overtone/status.h"
#include "sql/table_function.h"
#include "sql/value_repr.h"
#include "sql/vector_match.h"
#include "sql/vtab_common.h"
#include "sql/vtab_cursor.h"

namespace overtone::sql {

// Column numbers of such a table; the arguments start at kFirstArg.
enum VectorResultColumn { kVectorLabelset, kVectorDropName, kVectorTs, kVectorValue, kVectorFirstArg };

template <int kNumArgs>
struct VectorResultCursor : RowsCursor<VectorOperand::Point> {
  // Forgets the previous call's rows and takes this call's arguments; one
  // of the first `required` not given is InvalidArgument, naming it after
  // `signature`.
  Status Start(int plan, int argc, sqlite3_value** argv, const char* signature,
               const char* const (&names)[kNumArgs], int required = kNumArgs) {
    rows.clear();
    pos = 0;
    args.Take(plan, kNumArgs, argc, argv);
    for (int a = 0; a < required; ++a) {
      if (args[a] == nullptr)
        return Status::InvalidArgument(std::string(signature) + ": " + names[a] + " is missing");
    }
    return Status::OK();
  }

  // Makes `result`'s points the rows.
  void TakeResult() { rows = std::move(result.points); }

  void Column(sqlite3_context* ctx, int col) const {
    const VectorOperand::Point& p = row();
    switch (col) {
      case kVectorLabelset: ResultString(ctx, result.series[p.series].labelset); return;
      case kVectorDropName: sqlite3_result_int(ctx, result.series[p.series].drop_name ? 1 : 0); return;
      case kVectorTs: sqlite3_result_int64(ctx, p.ts); return;
      case kVectorValue: ResultValue(ctx, p.value); return;
      default:
        if (col >= kVectorFirstArg && col < kVectorFirstArg + kNumArgs) args.Echo(ctx, col - kVectorFirstArg);
    }
  }

  FunctionArgs args;
  VectorOperand result;
};

}  // namespace overtone::sql
