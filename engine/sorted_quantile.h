// Prometheus's quantile over values kept sorted, shared by the fresh
// `*_over_time` evaluation and the standing windows so that both pick the
// same bits.
//
// The order is total: NaNs first (by bit pattern), then by value, -0 before
// +0. Prometheus sorts NaN first and leaves equal values (-0 and +0, NaN
// payloads) in an unspecified order; fixing one makes the answer a function
// of the multiset of values alone, whatever order they arrived in.

#ifndef OVERTONE_ENGINE_SORTED_QUANTILE_H_
#define OVERTONE_ENGINE_SORTED_QUANTILE_H_

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>

namespace overtone::engine {

inline bool QuantileOrderLess(double a, double b) {
  bool na = std::isnan(a), nb = std::isnan(b);
  if (na || nb) return na && (!nb || std::bit_cast<uint64_t>(a) < std::bit_cast<uint64_t>(b));
  if (a != b) return a < b;
  return std::signbit(a) && !std::signbit(b);
}

// lo*(1-weight) + hi*weight, with a NaN operand returned as it is: which of
// two NaNs an addition passes on depends on the order the compiler puts the
// operands in, and every evaluation path must give the same bits.
inline double InterpolateQuantile(double lo, double hi, double weight) {
  if (std::isnan(lo)) return lo;
  if (std::isnan(hi)) return hi;
  return lo * (1 - weight) + hi * weight;
}

// Prometheus's quantile of n values: linear interpolation between the
// order statistics at the ranks around q*(n-1), which value_at(rank)
// returns (0-based, in QuantileOrderLess order). NaN for no values or a NaN
// q, -Inf for q < 0, +Inf for q > 1, as engine::Quantile (prom_math.h),
// operation for operation.
template <typename ValueAt>
double QuantileAtRanks(double q, uint64_t count, ValueAt value_at) {
  if (count == 0 || std::isnan(q)) return std::numeric_limits<double>::quiet_NaN();
  if (q < 0) return -std::numeric_limits<double>::infinity();
  if (q > 1) return std::numeric_limits<double>::infinity();
  double n = static_cast<double>(count);
  double rank = q * (n - 1);
  double lower = std::max(0.0, std::floor(rank));
  double upper = std::min(n - 1, lower + 1);
  double weight = rank - std::floor(rank);
  double lo = value_at(static_cast<uint64_t>(lower));
  double hi = upper > lower ? value_at(static_cast<uint64_t>(upper)) : lo;
  return InterpolateQuantile(lo, hi, weight);
}

// The quantile of values sorted by QuantileOrderLess.
inline double QuantileOfSorted(double q, std::span<const double> sorted) {
  return QuantileAtRanks(q, sorted.size(), [&](uint64_t rank) { return sorted[rank]; });
}

}  // namespace overtone::engine

#endif  // OVERTONE_ENGINE_SORTED_QUANTILE_H_
