// PromQL's range-vector functions other than `*_over_time` (rate, irate,
// increase, delta, idelta, resets, changes, deriv, predict_linear,
// double_exponential_smoothing) and the
// instant-vector selector with its lookback, with Prometheus 3.x semantics.
//
// Range windows are left-open, right-closed: for evaluation time t and
// offset o, a window holds the samples with t-o-range < ts <= t-o.
// Staleness markers are not samples there. An instant-vector selector at t
// takes the latest sample in (t-o-lookback, t-o]; when that sample is a
// staleness marker the series is absent at t (a marker ends a series'
// presence until the next real sample).
//
// rate/increase/delta extrapolate as Prometheus's extrapolatedRate: to the
// window's edges when the first/last sample lies within 1.1 average sample
// intervals of them, else by half an interval; counters (rate, increase)
// add the value before each drop (a reset) and are not extrapolated below
// zero.

#ifndef OVERTONE_ENGINE_RANGE_FUNCTIONS_H_
#define OVERTONE_ENGINE_RANGE_FUNCTIONS_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string_view>

#include "overtone/cancel.h"
#include "overtone/database.h"
#include "overtone/matcher.h"
#include "overtone/status.h"
#include "overtone/types.h"

namespace overtone {

enum class RangeFn {
  kRate,
  kIncrease,
  kDelta,
  kIrate,
  kIdelta,
  kResets,
  kChanges,
  kDeriv,
  kPredictLinear,
  kDoubleExponentialSmoothing,  // also its Prometheus 2.x name, holt_winters
};

// Accepts the PromQL name ("rate"). InvalidArgument names the known ones.
Result<RangeFn> ParseRangeFn(std::string_view name);
std::string_view RangeFnName(RangeFn fn);
// How many parameters fn takes: 1 for predict_linear (seconds ahead), 2 for
// double_exponential_smoothing (smoothing factor, trend factor), else 0.
int RangeFnParams(RangeFn fn);
// Prometheus's error for parameters it refuses (a smoothing or trend factor
// outside (0, 1)), raised as Prometheus does for the first window that has
// a sample.
Status CheckRangeFnParams(RangeFn fn, double param, double param2);

// One window of one series. `eval_ts` is the evaluation time t; the window
// is (t - offset - range, t - offset]. REQUIRES: samples ascending, no
// staleness markers. nullopt when the function has no value (too few
// samples). REQUIRES: CheckRangeFnParams(fn, param, param2) is OK.
std::optional<double> EvalRangeWindow(RangeFn fn, std::span<const Sample> window, int64_t eval_ts,
                                      int64_t offset, int64_t range, double param = 0, double param2 = 0);

struct RangeFunctionQuery {
  RangeFn fn = RangeFn::kRate;
  double param = 0;
  double param2 = 0;
  int64_t start = 0;                    // ms
  int64_t end = 0;                      // ms, inclusive
  int64_t step = 1;                     // ms, > 0
  int64_t range = 0;                    // ms, > 0
  int64_t offset = 0;                   // ms, may be negative
  const CancelToken* cancel = nullptr;  // checked per series and while reading (cancel.h)
};

// Calls fn per point, series by series (ascending id), times ascending.
Status EvaluateRangeFunction(Database* db, std::span<const LabelMatcher> matchers,
                             const RangeFunctionQuery& q,
                             const std::function<Status(const SeriesInfo&, int64_t ts, double value)>& fn);

inline constexpr int64_t kDefaultLookbackMs = 5 * 60 * 1000;

struct InstantVectorQuery {
  int64_t start = 0;
  int64_t end = 0;
  int64_t step = 1;
  int64_t lookback = kDefaultLookbackMs;
  int64_t offset = 0;
  const CancelToken* cancel = nullptr;  // checked per series and while reading (cancel.h)
};

// For each series and step t, the latest sample in (t-offset-lookback,
// t-offset] unless it is a staleness marker. fn gets the step t, the
// sample's own timestamp and its value.
Status EvaluateInstantVector(
    Database* db, std::span<const LabelMatcher> matchers, const InstantVectorQuery& q,
    const std::function<Status(const SeriesInfo&, int64_t ts, int64_t sample_ts, double value)>& fn);

// InvalidArgument unless step > 0, start <= end and at most
// kMaxOverTimeSteps steps (as for over_time).
Status ValidateSteps(int64_t start, int64_t end, int64_t step);

}  // namespace overtone

#endif  // OVERTONE_ENGINE_RANGE_FUNCTIONS_H_
