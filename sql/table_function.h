// What the table-valued functions over_time, instant_vector and
// range_function share.
//
// Each one's arguments are its first hidden columns, which SQLite's
// table-valued function syntax fills left to right: xBestIndex takes them as
// equality constraints (PlanFunctionArgs), xFilter keeps them (FunctionArgs)
// and evaluates the call into points of series, which the cursor
// (SeriesPointsCursor) buffers. The visible columns all three begin with are
// series_id, metric, labels, ts and value; each ends with the hidden
// column labelset (ResultLabelset).

#ifndef OVERTONE_SQL_TABLE_FUNCTION_H_
#define OVERTONE_SQL_TABLE_FUNCTION_H_

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <vector>

#include "overtone/database.h"
#include "overtone/matcher.h"
#include "overtone/status.h"
#include "sql/labelset_json.h"
#include "sql/vtab_cursor.h"

namespace overtone::sql {

// The columns every table function begins with.
enum SharedColumn { kColSeriesId, kColMetric, kColLabels, kColTs, kColValue };

// The most arguments a table function takes.
inline constexpr int kMaxFunctionArgs = 13;

// xBestIndex of a table function whose `num_args` arguments are the hidden
// columns from `first_arg` on: numbers each given argument in order, as bit
// (1 << its position) of idxNum, omits it from SQLite's re-check and states
// the cost of a call (sql/plan_cost.h).
// SQLITE_CONSTRAINT when an argument is not usable yet: SQLite then orders
// the join so that it becomes usable.
int PlanFunctionArgs(sqlite3_index_info* info, int first_arg, int num_args);

// The arguments of one call, kept from xFilter to the next: the hidden
// columns echo them back. A selector bound as a pointer (sql/selector_arg.h)
// is kept as that pointer, for SQLite copies a pointer value as NULL.
class FunctionArgs {
 public:
  FunctionArgs() = default;
  ~FunctionArgs() { Clear(); }
  FunctionArgs(const FunctionArgs&) = delete;
  FunctionArgs& operator=(const FunctionArgs&) = delete;

  // Keeps copies of the arguments that PlanFunctionArgs numbered in `plan`,
  // and the selector pointers among them, in place of the previous call's.
  // Throws std::bad_alloc when SQLite has no memory for a copy.
  void Take(int plan, int num_args, int argc, sqlite3_value** argv);

  // Argument `a` (from 0), null when the call did not give it; a NULL value
  // for a selector pointer.
  sqlite3_value* operator[](int a) const { return values_[a]; }
  // Whether argument `a` was given and is not NULL (a selector pointer is
  // not NULL).
  bool Present(int a) const {
    return selectors_[a] != nullptr ||
           (values_[a] != nullptr && sqlite3_value_type(values_[a]) != SQLITE_NULL);
  }
  // The matchers argument `a` stands for: those of a selector pointer, else
  // its text parsed (InvalidArgument for a bad selector).
  Result<std::vector<LabelMatcher>> Selector(int a) const;
  // Sets argument `a` as the result of an echoing hidden column: the value
  // given, or for a selector pointer its matchers as selector text, which
  // parses back to the same matchers (a pointer value would read as NULL).
  void Echo(sqlite3_context* ctx, int a) const;

 private:
  void Clear();

  sqlite3_value* values_[kMaxFunctionArgs] = {};
  const std::vector<LabelMatcher>* selectors_[kMaxFunctionArgs] = {};
};

// A series' full canonical label set (labelset_json.h), __name__ included
// and empty values left out: what labelset(metric, labels) makes of a row.
std::string SeriesLabelsetJson(const Labels& labels);
// The same label set as pairs: sorted, no empty values.
LabelPairs SeriesLabelPairs(const Labels& labels);

// One output row: a point of series[series].
struct SeriesPoint {
  size_t series;
  int64_t ts;
  int64_t sample_ts;  // instant_vector's sample time; ts for the others
  double value;
};

// The cursor of a table function, without its evaluation.
struct SeriesPointsCursor : RowsCursor<SeriesPoint> {
  SeriesPointsCursor() = default;
  SeriesPointsCursor(const SeriesPointsCursor&) = delete;
  SeriesPointsCursor& operator=(const SeriesPointsCursor&) = delete;
  ~SeriesPointsCursor() { ReleaseCharged(); }

  // Forgets the previous call's rows and takes this call's arguments.
  void Start(int plan, int num_args, int argc, sqlite3_value** argv);

  // Adds a point; points of one series come together. The rows and series
  // held are charged to the query's working memory (CancelToken::
  // ChargeMemory): past its limit, the token's error.
  Status Add(const SeriesInfo& s, int64_t ts, int64_t sample_ts, double value);

  // xColumn of the columns every table function has (SharedColumn) and of
  // argument columns, those from first_arg on; false for any other.
  bool ResultSharedColumn(sqlite3_context* ctx, int col, int first_arg, int num_args) const;

  // xColumn of the hidden `labelset` column: the series' full canonical
  // label set (labelset_json.h), what labelset(metric, labels) makes of a
  // row, built once per series.
  void ResultLabelset(sqlite3_context* ctx) const;

  FunctionArgs args;
  std::vector<SeriesInfo> series;
  std::vector<std::string> labels_json;    // of each series, built once
  std::vector<std::string> labelset_json;  // of each series, built once

 private:
  // The token of the query this cursor's table serves, or null.
  const CancelToken* token() const;
  void ReleaseCharged();
  size_t charged_ = 0;    // charged to token()
  size_t uncharged_ = 0;  // held, not yet charged: charges go in steps of kChargeStep
};

}  // namespace overtone::sql

#endif  // OVERTONE_SQL_TABLE_FUNCTION_H_
