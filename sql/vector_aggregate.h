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

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "overtone/status.h"
#include "sql/group_fold.h"
#include "sql/labelset_json.h"
#include "sql/vector_match.h"

namespace overtone::sql {

enum class AggregateKind {
  kSum,
  kAvg,
  kMin,
  kMax,
  kCount,
  kGroup,
  kStddev,
  kStdvar,
  kTopk,
  kBottomk,
  kQuantile
};

// Names as vector_aggregate() takes them: sum avg min max count group
// stddev stdvar topk bottomk quantile.
Result<AggregateKind> ParseAggregateKind(std::string_view name);

struct AggregateSpec {
  AggregateKind kind = AggregateKind::kSum;
  bool without = false;             // without(labels), else by(labels)
  std::vector<std::string> labels;  // of by / without
  int64_t k = 0;                    // of topk / bottomk
  double q = 0;                     // of quantile
};

// One value of a group at a step into its state, and the state's value,
// for every kind but topk, bottomk and quantile: the fold both
// AggregateVector and StepFold make.
inline void FoldValue(AggregateKind kind, GroupState* s, double f) {
  switch (kind) {
    case AggregateKind::kSum: GroupFold<Identity, SumAdd>(s, f); break;
    case AggregateKind::kAvg: GroupFold<Identity, AvgAdd>(s, f); break;
    case AggregateKind::kStddev:
    case AggregateKind::kStdvar: GroupFold<VarianceFirst, VarianceAdd>(s, f); break;
    case AggregateKind::kMin:
    case AggregateKind::kMax: {
      bool better = kind == AggregateKind::kMin ? f < s->value : f > s->value;
      if (!s->seen || std::isnan(s->value) || better) s->value = f;
      s->seen = true;
      break;
    }
    case AggregateKind::kCount:
    case AggregateKind::kGroup:
      s->count = s->seen ? s->count + 1 : 1;
      s->seen = true;
      break;
    default: break;
  }
}
inline double FoldResult(AggregateKind kind, const GroupState& s) {
  switch (kind) {
    case AggregateKind::kSum: return SumResult(s);
    case AggregateKind::kAvg: return AvgResult(s);
    case AggregateKind::kStddev: return StddevResult(s);
    case AggregateKind::kStdvar: return StdvarResult(s);
    case AggregateKind::kCount: return s.count;
    case AggregateKind::kGroup: return 1;
    default: return s.value;  // min, max
  }
}

// A series' group under `spec`: the canonical JSON of the labels `by`
// keeps, or of all but __name__ and those `without` names.
std::string GroupKeyJson(const AggregateSpec& spec, LabelPairs labels);

// The aggregation at every step the input has points at. The result's
// series come in `series`, each point naming one, the points of a series
// together and in ts order; a group's drop_name is
// set at a step when one of its series' is.
Result<VectorOperand> AggregateVector(const AggregateSpec& spec, const VectorOperand& in);

// The same aggregation (not topk, bottomk or quantile) folded as the points come,
// without holding them: the points of a series together, its series' in the
// order AggregateVector would have them, at steps start, start + step, ...
// (num_steps of them). The result is AggregateVector's, bit for bit and in
// the same order, when every series has the same drop_name. Holds one
// GroupState per group and step.
class StepFold {
 public:
  StepFold(const AggregateSpec& spec, int64_t start, int64_t step, size_t num_steps, bool drop_name);

  // Begins the next series, with its full label set.
  void StartSeries(const LabelPairs& labels);
  // A point of the current series. InvalidArgument for a ts off the steps.
  Status Add(int64_t ts, double value);
  // The bytes of state held so far.
  size_t StateBytes() const { return state_.size() * sizeof(GroupState); }

  VectorOperand Finish();

 private:
  const AggregateSpec spec_;  // a copy: callers pass temporaries
  int64_t start_, step_;
  size_t num_steps_;
  bool drop_name_;
  std::unordered_map<std::string, uint32_t> index_;  // key -> group
  std::vector<std::string> keys_;                    // group -> key
  std::vector<GroupState> state_;                    // group * num_steps + step
  // Per group, the first step it has a point at and the first series
  // there: AggregateVector numbers its result series in that order.
  std::vector<std::pair<size_t, size_t>> first_;
  uint32_t group_ = 0;  // of the current series
  size_t series_ = 0;   // series begun
};

}  // namespace overtone::sql

#endif  // OVERTONE_SQL_VECTOR_AGGREGATE_H_
