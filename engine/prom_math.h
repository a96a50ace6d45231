// Floating-point building blocks shared by `*_over_time` and summaries, as
// Prometheus computes them, so that merged summaries agree with a scan.

#ifndef OVERTONE_ENGINE_PROM_MATH_H_
#define OVERTONE_ENGINE_PROM_MATH_H_

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "engine/sorted_quantile.h"

namespace overtone::engine {

// Kahan-Neumaier step, as Prometheus's kahansum.Inc. Out of line so that the
// compiler cannot re-associate it.
[[gnu::noinline]] inline void KahanInc(double inc, double* sum, double* c) {
  double t = *sum + inc;
  if (std::isinf(t)) {
    *c = 0;
  } else if (std::fabs(*sum) >= std::fabs(inc)) {
    *c += (*sum - t) + inc;
  } else {
    *c += (inc - t) + *sum;
  }
  *sum = t;
}

// One step of Prometheus's variance (Welford with Kahan compensation).
inline void WelfordInc(double v, double* count, double* mean, double* c_mean, double* aux, double* c_aux) {
  *count += 1;
  double delta = v - (*mean + *c_mean);
  KahanInc(delta / *count, mean, c_mean);
  KahanInc(delta * (v - (*mean + *c_mean)), aux, c_aux);
}

// Prometheus's quantile(): NaN sorts first, linear interpolation at q*(n-1).
// Prometheus sorts the whole window; only the two order statistics at
// floor(rank) and the next are needed, so they are selected instead (linear
// time rather than n log n). The order is sorted_quantile.h's total one, so
// the values picked are those QuantileOfSorted picks after a full sort, as
// the standing windows do.
inline double Quantile(double q, std::vector<double> values) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  if (values.empty() || std::isnan(q)) return std::numeric_limits<double>::quiet_NaN();
  if (q < 0) return -kInf;
  if (q > 1) return kInf;
  auto nan_first = QuantileOrderLess;
  double n = static_cast<double>(values.size());
  double rank = q * (n - 1);
  double lower = std::max(0.0, std::floor(rank));
  double upper = std::min(n - 1, lower + 1);
  double weight = rank - std::floor(rank);
  auto lo = values.begin() + static_cast<ptrdiff_t>(lower);
  std::nth_element(values.begin(), lo, values.end(), nan_first);
  double lo_value = *lo;
  // Everything after lo is not less than it: the next order statistic is their least.
  double hi_value = upper > lower ? *std::min_element(lo + 1, values.end(), nan_first) : lo_value;
  return InterpolateQuantile(lo_value, hi_value, weight);
}

}  // namespace overtone::engine

#endif  // OVERTONE_ENGINE_PROM_MATH_H_
