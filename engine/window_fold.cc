#include "engine/window_fold.h"

#include <algorithm>
#include <cmath>

namespace overtone::engine {
namespace {

// Prometheus's kahansum.Inc (prom_math.h's KahanInc), inline. Only
// additions and subtractions here and in the callers' products, which are
// computed apart: the build contracts nothing into fused multiply-adds
// (ISO C++, no -ffp-contract=fast), so the roundings are KahanInc's.
inline void Kahan(double inc, double& sum, double& c) {
  const double t = sum + inc;
  if (std::isinf(t)) {
    c = 0;
  } else if (std::fabs(sum) >= std::fabs(inc)) {
    c += (sum - t) + inc;
  } else {
    c += (inc - t) + sum;
  }
  sum = t;
}

// The Kahan fold of sum and avg while finite (over_time.cc's
// KahanSumWhileFinite): `overflowed` records a sum that became infinite,
// whose window the reference folds again.
struct SumLane {
  double sum = 0, c = 0;
  bool overflowed = false;
  void Step(double inc) {
    const double t = sum + inc;
    overflowed |= std::isinf(t);
    // Both corrections, then a select rather than a branch: the loop stays
    // free of jumps (each is KahanInc's expression, so the bits are too).
    const double big_sum = (sum - t) + inc;
    const double big_inc = (inc - t) + sum;
    c += std::fabs(sum) >= std::fabs(inc) ? big_sum : big_inc;
    sum = t;
  }
};

// Prometheus's variance: WelfordInc (prom_math.h), step for step.
struct VarianceLane {
  double count = 0, mean = 0, c_mean = 0, aux = 0, c_aux = 0;
  void Step(double v) {
    count += 1;
    const double delta = v - (mean + c_mean);
    const double step = delta / count;
    Kahan(step, mean, c_mean);
    const double product = delta * (v - (mean + c_mean));
    Kahan(product, aux, c_aux);
  }
};

// Folds samples [from, size) of each of L windows into its lane, the
// windows' common length in one loop of L independent chains.
template <int L, typename Lane>
void FoldLanes(const std::span<const Sample>* w, size_t from, Lane* lanes) {
  size_t common = w[0].size();
  for (int l = 1; l < L; ++l) common = std::min(common, w[l].size());
  for (size_t j = from; j < common; ++j) {
#pragma GCC unroll 4
    for (int l = 0; l < L; ++l) lanes[l].Step(w[l][j].value);
  }
  for (int l = 0; l < L; ++l) {
    for (size_t j = std::max(from, common); j < w[l].size(); ++j) lanes[l].Step(w[l][j].value);
  }
}

template <int L>
void FoldGroup(OverTimeFn fn, const std::span<const Sample>* w, double param, double* out) {
  if (fn == OverTimeFn::kStddev || fn == OverTimeFn::kStdvar) {
    VarianceLane lanes[L];
    FoldLanes<L>(w, 0, lanes);
    for (int l = 0; l < L; ++l) {
      double var = (lanes[l].aux + lanes[l].c_aux) / lanes[l].count;
      out[l] = fn == OverTimeFn::kStddev ? std::sqrt(var) : var;
      if (std::isnan(out[l])) out[l] = *EvalWindow(fn, w[l], param);
    }
    return;
  }
  // sum folds from 0, avg from its first value (over_time.cc's Sum, Avg).
  const bool avg = fn == OverTimeFn::kAvg;
  SumLane lanes[L];
  if (avg) {
    for (int l = 0; l < L; ++l) lanes[l].sum = w[l][0].value;
  }
  FoldLanes<L>(w, avg ? 1 : 0, lanes);
  for (int l = 0; l < L; ++l) {
    if (avg) {
      double n = static_cast<double>(w[l].size());
      out[l] = lanes[l].sum / n + lanes[l].c / n;
    } else {
      out[l] = lanes[l].sum + lanes[l].c;
    }
    if (lanes[l].overflowed || std::isnan(out[l])) out[l] = *EvalWindow(fn, w[l], param);
  }
}

}  // namespace

bool FoldsInterleaved(OverTimeFn fn) {
  return fn == OverTimeFn::kSum || fn == OverTimeFn::kAvg || fn == OverTimeFn::kStddev ||
         fn == OverTimeFn::kStdvar;
}

void FoldWindows(OverTimeFn fn, std::span<const std::span<const Sample>> windows, double param,
                 std::span<double> out) {
  size_t i = 0;
  if (FoldsInterleaved(fn)) {
    for (; i + 4 <= windows.size(); i += 4) FoldGroup<4>(fn, &windows[i], param, &out[i]);
    if (i + 2 <= windows.size()) {
      FoldGroup<2>(fn, &windows[i], param, &out[i]);
      i += 2;
    }
  }
  for (; i < windows.size(); ++i) out[i] = *EvalWindow(fn, windows[i], param);
}

}  // namespace overtone::engine
