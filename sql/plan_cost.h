// The one cost scale of overtone's virtual tables.
//
// SQLite picks how to scan a table, and in a join which table drives the
// others, by comparing the estimatedCost that xBestIndex states for each
// plan; a nested loop costs the inner plan once per outer row. So that it
// compares like with like, every table states its cost in one unit: about
// one row read, in a database imagined with 10,000 series of 10,000 samples
// each. The figures are orders of magnitude, not measurements; what matters
// is that each table's plans and the tables among themselves stand in the
// right order.
//
// A plan's cost is the series it visits, by what picks them, times what a
// visit costs: one row for finding the series and starting to read it, plus
// the rows it reads there. So a scan of `samples` over every series costs
// more than the scan of `series` that could drive it one series at a time,
// even when it reads one sample of each.

#ifndef OVERTONE_SQL_PLAN_COST_H_
#define OVERTONE_SQL_PLAN_COST_H_

#include "sql/series_filter.h"

namespace overtone::sql {

// The series a plan visits, by what picks them.
inline constexpr double kCostPointLookup = 1;       // series_id = ?: one series
inline constexpr double kCostSeriesFiltered = 100;  // metric = ?, selector = ?: those the index picks
inline constexpr double kCostFullScan = 10000;      // nothing: every series

// The rows a plan reads in each series it visits, besides the visit.
inline constexpr double kRowsSeriesOnly = 0;           // `series`: the series is the row
inline constexpr double kRowsOneSample = 1;            // `samples` with ts = ?
inline constexpr double kRowsBoundedRange = 100;       // `samples` with a lower and an upper bound on ts
inline constexpr double kRowsHalfBoundedRange = 5000;  // `samples` with one bound on ts
inline constexpr double kRowsAllSamples = 10000;       // `samples` with no bound on ts
inline constexpr double kRowsSegments = 10;            // `segments`
inline constexpr double kRowsFunctionCall = 10;        // a table function's points of one series

// The series a plan visits, from its SeriesConstraintBits: one series by id
// beats those of a metric or selector, which beat them all.
constexpr double SeriesVisited(int series_bits) {
  return (series_bits & kSeriesIdEq)                 ? kCostPointLookup
         : (series_bits & (kMetricEq | kSelectorEq)) ? kCostSeriesFiltered
                                                     : kCostFullScan;
}

// The cost of a plan that visits the series `series_bits` picks and reads
// `rows_per_series` rows in each.
constexpr double PlanCost(int series_bits, double rows_per_series) {
  return SeriesVisited(series_bits) * (1 + rows_per_series);
}

}  // namespace overtone::sql

#endif  // OVERTONE_SQL_PLAN_COST_H_
