// Choosing the series a virtual-table scan visits, from the constraints
// SQLite pushed down: series_id = ?, metric = ?, selector = ?.

#ifndef OVERTONE_SQL_SERIES_FILTER_H_
#define OVERTONE_SQL_SERIES_FILTER_H_

#include <sqlite3.h>

#include <optional>
#include <string>
#include <vector>

#include "overtone/database.h"
#include "overtone/matcher.h"
#include "overtone/status.h"

namespace overtone::sql {

struct SeriesFilter {
  std::optional<SeriesId> id;
  std::optional<std::string> metric;
  // A PromQL series selector's matchers, as bound (sql/selector_arg.h) or
  // parsed from text.
  std::optional<std::vector<LabelMatcher>> selector;
  // What the hidden selector column echoes: the selector text as given, or
  // for bound matchers their text (ToString), which parses back to them.
  std::string selector_text;
  bool empty = false;  // a constraint no series can meet
};

// Where a table keeps the series_id, metric and selector columns.
struct SeriesColumns {
  int series_id, metric, selector;
};

// The plan bits PlanSeriesConstraints hands to xFilter's idxNum.
enum SeriesConstraintBits { kSeriesIdEq = 1, kMetricEq = 2, kSelectorEq = 4 };

// xBestIndex's part for `series_id = ?`, `metric = ?` and `selector = ?`:
// marks the usable ones, numbering their arguments from *next_arg + 1 in
// that order (only `selector` is omitted from SQLite's re-check: a bound
// selector is NULL to SQL and equals nothing), and returns their
// SeriesConstraintBits.
int PlanSeriesConstraints(sqlite3_index_info* info, const SeriesColumns& cols, int* next_arg);

// The selector argument `v` into `filter`: a selector pointer's matchers, or
// its text parsed once (a bad selector is InvalidArgument); NULL selects no
// series.
Status ReadSelectorConstraint(sqlite3_value* v, SeriesFilter* filter);

// xFilter's part: reads the arguments PlanSeriesConstraints numbered, from
// argv[*arg] on, into `filter`. A bad selector is InvalidArgument.
Status ReadSeriesConstraints(int plan, sqlite3_value** argv, int argc, int* arg, SeriesFilter* filter);

// The matching series, ascending by id.
Result<std::vector<SeriesInfo>> ResolveSeries(Database* db, const SeriesFilter& filter);

// xFilter's part for a table whose only constraints are those of
// PlanSeriesConstraints: the series they select, the selector's echo text
// into `selector` (cleared when there is none) and, if asked, the filter.
Result<std::vector<SeriesInfo>> FilterSeries(Database* db, int plan, int argc, sqlite3_value** argv,
                                             std::string* selector, SeriesFilter* filter = nullptr);

}  // namespace overtone::sql

#endif  // OVERTONE_SQL_SERIES_FILTER_H_
