// WindowAccumulator: one `*_over_time` window built from samples and from
// segment summaries, in time order.
//
// Samples are folded exactly as Prometheus folds them (Kahan sums, Welford
// variance, its NaN rules for min/max). A summary (storage/codec/summary.h)
// stands for all samples of a segment: counts, sums, extremes, first/last
// merge exactly; the variance merges with Chan's formula (agreeing with a
// scan to ~1e-15 relative). NaN and infinities need no scan either: a scan's
// sum, avg, stddev and stdvar of a window holding them depend only on which
// of NaN, +Inf and -Inf occur (SpecialResult), and min/max/first/last merge
// with Prometheus's NaN rules as they are; the quantile sketch merges as weighted points
// and makes quantiles approximate, within 1/(m-1) of the rank.

#ifndef OVERTONE_ENGINE_WINDOW_ACCUMULATOR_H_
#define OVERTONE_ENGINE_WINDOW_ACCUMULATOR_H_

#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "overtone/over_time.h"
#include "storage/codec/summary.h"

namespace overtone::engine {

// Builds the summary of a segment's samples; staleness markers are skipped.
// Its quantile points are left empty: summary format 2 does not store them.
storage::Summary BuildSummary(std::span<const Sample> samples);

// The quantile sketch of a segment's values (staleness markers removed):
// min(n, kMaxQuantilePoints) of them, sorted NaN first, at evenly spaced
// ranks, the smallest and the largest included (storage/codec/summary.h).
std::vector<double> QuantilePoints(std::vector<double> values);

// Whether fn can be answered from summaries: exactly, or approximately
// when `approximate` (quantile).
bool SummarizableExactly(OverTimeFn fn);
bool SummarizableApproximately(OverTimeFn fn);

class WindowAccumulator {
 public:
  void Add(const Sample& s);
  // REQUIRES: s.count > 0, and s comes after everything added.
  void Add(const storage::Summary& s);

  // The window's value, or nullopt when it is empty. REQUIRES: fn
  // summarizable (exactly, or approximately for quantile).
  std::optional<double> Result(OverTimeFn fn, double param) const;
  // Whether a non-finite Result(fn) is what a scan gives too. False only
  // when finite samples may have overflowed a sum, whose value then depends
  // on the order of additions (the caller redoes the window sample by sample).
  bool NonFiniteIsExact(OverTimeFn fn) const;
  uint64_t count() const { return count_; }

 private:
  // The sum, avg, stddev or stdvar a scan gives for a window holding NaN or
  // an infinity (nullopt: the window holds neither).
  std::optional<double> SpecialResult(OverTimeFn fn) const;

  uint64_t count_ = 0;
  // NaN and infinities among the samples. A summary's min and max ignore
  // NaN unless all samples are NaN (Prometheus's rule), so they tell its
  // infinities; has_nan tells its NaN.
  bool nan_ = false, pos_inf_ = false, neg_inf_ = false;
  double sum_ = 0, sum_c_ = 0;
  double w_count_ = 0, mean_ = 0, mean_c_ = 0, aux_ = 0, aux_c_ = 0;
  double min_ = 0, max_ = 0, le_min_ = 0, ge_max_ = 0;
  int64_t ts_of_min_ = 0, ts_of_max_ = 0;
  Sample first_, last_;
  std::vector<std::pair<double, double>> points_;  // (value, weight) for quantiles
};

}  // namespace overtone::engine

#endif  // OVERTONE_ENGINE_WINDOW_ACCUMULATOR_H_
