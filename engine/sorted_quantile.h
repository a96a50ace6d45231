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

// Linear interpolation at rank q*(n-1). REQUIRES: sorted by QuantileOrderLess.
inline double QuantileOfSorted(double q, std::span<const double> sorted) {
  if (sorted.empty() || std::isnan(q)) return std::numeric_limits<double>::quiet_NaN();
  if (q < 0) return -std::numeric_limits<double>::infinity();
  if (q > 1) return std::numeric_limits<double>::infinity();
  double n = static_cast<double>(sorted.size());
  double rank = q * (n - 1);
  double lower = std::max(0.0, std::floor(rank));
  double upper = std::min(n - 1, lower + 1);
  double weight = rank - std::floor(rank);
  return InterpolateQuantile(sorted[static_cast<size_t>(lower)], sorted[static_cast<size_t>(upper)], weight);
}

}  // namespace overtone::engine

#endif  // OVERTONE_ENGINE_SORTED_QUANTILE_H_
