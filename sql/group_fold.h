// Prometheus's groupedAggregation for one group and one step, float
// samples only: the fold that sum, avg, stddev and stdvar make of a
// group's values, in the order the values come. prom_sum() and friends
// (promql_functions.cc) and vector_aggregate() (vector_aggregate.h) both
// fold with it, so that SQL and C++ give the same bits.

#ifndef OVERTONE_SQL_GROUP_FOLD_H_
#define OVERTONE_SQL_GROUP_FOLD_H_

#include <cmath>
#include <limits>
#include <vector>

namespace overtone::sql {

// Kahan-Babuska summation as Prometheus's kahansum.Inc: *sum += inc with
// the lost low bits kept in *c. Out of line so that the compiler never
// contracts or reorders it differently at different callers.
void KahanInc(double inc, double* sum, double* c);

// quantile(q, v) of a group's values at a step, as Prometheus's quantile():
// -Inf below 0, +Inf above 1, NaN for NaN q or no values; else the values
// sorted (NaN first) and interpolated at rank q * (n - 1). Sorts *values.
double QuantileOfValues(double q, std::vector<double>* values);

struct GroupState {
  bool seen;
  bool incremental_mean;
  double value, mean, kahan_c, count;
};

// A group's first value f starts it with value = kFirst(f), each later one
// goes to kAdd.
template <double (*kFirst)(double), void (*kAdd)(GroupState*, double)>
inline void GroupFold(GroupState* g, double f) {
  if (!g->seen) {
    *g = GroupState{true, false, kFirst(f), f, 0, 1};
    return;
  }
  kAdd(g, f);
}

inline double Identity(double f) { return f; }

inline void SumAdd(GroupState* g, double f) { KahanInc(f, &g->value, &g->kahan_c); }
inline double SumResult(const GroupState& g) { return g.value + g.kahan_c; }

// avg: a Kahan sum divided at the end, or, once the sum would overflow, a
// running mean.
void AvgAdd(GroupState* g, double f);
double AvgResult(const GroupState& g);

// Welford's algorithm; value holds the sum of squared differences.
inline double VarianceFirst(double f) {
  return std::isnan(f) || std::isinf(f) ? std::numeric_limits<double>::quiet_NaN() : 0.0;
}
inline void VarianceAdd(GroupState* g, double f) {
  g->count++;
  double delta = f - g->mean;
  g->mean += delta / g->count;
  g->value += delta * (f - g->mean);
}
inline double StdvarResult(const GroupState& g) { return g.value / g.count; }
inline double StddevResult(const GroupState& g) { return std::sqrt(g.value / g.count); }

}  // namespace overtone::sql

#endif  // OVERTONE_SQL_GROUP_FOLD_H_
