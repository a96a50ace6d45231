#include "sql/group_fold.h"

#include <algorithm>
#include <limits>

namespace overtone::sql {

double QuantileOfValues(double q, std::vector<double>* values) {
  std::vector<double>& v = *values;
  if (v.empty() || std::isnan(q)) return std::numeric_limits<double>::quiet_NaN();
  if (q < 0) return -std::numeric_limits<double>::infinity();
  if (q > 1) return std::numeric_limits<double>::infinity();
  // NaN sorts first, as in Prometheus's vectorByValueHeap.
  std::sort(v.begin(), v.end(), [](double a, double b) { return std::isnan(a) ? !std::isnan(b) : a < b; });
  double n = static_cast<double>(v.size()), rank = q * (n - 1);
  double lower = std::max(0.0, std::floor(rank)), upper = std::min(n - 1, lower + 1);
  double weight = rank - std::floor(rank);
  return v[static_cast<size_t>(lower)] * (1 - weight) + v[static_cast<size_t>(upper)] * weight;
}

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
