// Floating-point building blocks shared by `*_over_time` and summaries, as
// Prometheus computes them, so that merged summaries agree with a scan.

#ifndef OVERTONE_ENGINE_PROM_MATH_H_
#define OVERTONE_ENGINE_PROM_MATH_H_

#include <cmath>

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

}  // namespace overtone::engine

#endif  // OVERTONE_ENGINE_PROM_MATH_H_
