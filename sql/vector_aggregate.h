// PromQL's aggregation operators over an instant vector evaluated at a
// range of steps, done once per query in C++: sum, avg, min, max, count,
// group, stddev, stdvar by (...) or without (...), and topk / bottomk with a
// constant k, as Prometheus's engine (rangeEvalAgg, aggregation) computes
// them at each step.
//
// HOW IT WORKS
// The input is a VectorOperand (vector_match.h: its distinct series and
// its points, packed by prom_vector() in SQL). Each series' label set is
// parsed once and its group key (the labels `by` keeps, or all but
// __name__ and the labels `without` names) interned once. The points are
// then bucketed by step, keeping their input order (a counting sort: the
// series of a step fold in the order they came, as Prometheus folds its
// input vector), and each step folds its points into one state per group
// (group_fold.h, the same fold as prom_sum() and friends). The result's
// label sets are the keys, built once per group; topk/bottomk keep the
// input series' own.
//
// Values are as PromQL has them: NaN for SQL's NULL. min and max skip NaN
// unless every value of the group is NaN; count and group count NaN too;
// topk and bottomk rank NaN after every number, ties in input order.

#ifndef OVERTONE_SQL_VECTOR_AGGREGATE_H_
#define OVERTONE_SQL_VECTOR_AGGREGATE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "overtone/status.h"
#include "sql/vector_match.h"

namespace overtone::sql {

enum class AggregateKind { kSum, kAvg, kMin, kMax, kCount, kGroup, kStddev, kStdvar, kTopk, kBottomk };

// Names as vector_aggregate() takes them: sum avg min max count group
// stddev stdvar topk bottomk.
Result<AggregateKind> ParseAggregateKind(std::string_view name);

struct AggregateSpec {
  AggregateKind kind = AggregateKind::kSum;
  bool without = false;             // without(labels), else by(labels)
  std::vector<std::string> labels;  // of by / without
  int64_t k = 0;                    // of topk / bottomk
};

// The aggregation at every step the input has points at. The result's
// series come in `series`, each point naming one, the points of a series
// together and in ts order; a group's drop_name is
// set at a step when one of its series' is.
Result<VectorOperand> AggregateVector(const AggregateSpec& spec, const VectorOperand& in);

}  // namespace overtone::sql

#endif  // OVERTONE_SQL_VECTOR_AGGREGATE_H_
