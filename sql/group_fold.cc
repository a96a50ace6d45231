#include "sql/group_fold.h"

namespace overtone::sql {

[[gnu::noinline]] void KahanInc(double inc, double* sum, double* c) {
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

void AvgAdd(GroupState* g, double f) {
  g->count++;
  if (!g->incremental_mean) {
    double v = g->value, c = g->kahan_c;
    KahanInc(f, &v, &c);
    if (!std::isinf(v)) {
      g->value = v;
      g->kahan_c = c;
      return;
    }
    // The plain sum would overflow: continue with a running mean.
    g->incremental_mean = true;
    g->mean = g->value / (g->count - 1);
    g->kahan_c /= g->count - 1;
  }
  double q = (g->count - 1) / g->count;
  g->mean = q * g->mean;
  g->kahan_c = q * g->kahan_c;
  KahanInc(f / g->count, &g->mean, &g->kahan_c);
}

double AvgResult(const GroupState& g) {
  if (g.incremental_mean) return g.mean + g.kahan_c;
  return g.value / g.count + g.kahan_c / g.count;
}

}  // namespace overtone::sql
