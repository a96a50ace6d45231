// Range-vector functions and the instant-vector selector, following
// Prometheus 3.x's promql/functions.go and engine.go operation for
// operation so that results agree with its test suite.

#include "engine/range_functions.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "engine/parallel_series.h"
#include "engine/series_samples.h"
#include "overtone/over_time.h"

namespace overtone {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct FnName {
  RangeFn fn;
  std::string_view name;
};
constexpr FnName kNames[] = {
    {RangeFn::kRate, "rate"},
    {RangeFn::kIncrease, "increase"},
    {RangeFn::kDelta, "delta"},
    {RangeFn::kIrate, "irate"},
    {RangeFn::kIdelta, "idelta"},
    {RangeFn::kResets, "resets"},
    {RangeFn::kChanges, "changes"},
    {RangeFn::kDeriv, "deriv"},
    {RangeFn::kPredictLinear, "predict_linear"},
    {RangeFn::kDoubleExponentialSmoothing, "double_exponential_smoothing"},
    {RangeFn::kDoubleExponentialSmoothing, "holt_winters"},
};

// Kahan-Neumaier step as Prometheus's kahansum.Inc; out of line so that the
// compiler cannot re-associate it.
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

// Prometheus's extrapolatedRate for float samples.
// `no_resets`: the caller knows that no value of w is below the one before,
// so the scan for counter resets, which would add nothing, is skipped.
std::optional<double> ExtrapolatedRate(std::span<const Sample> w, int64_t range_start, int64_t range_end,
                                       int64_t range, bool is_counter, bool is_rate, bool no_resets = false) {
  if (w.size() < 2) return std::nullopt;
  size_t n_minus_one = w.size() - 1;
  int64_t first_t = w.front().ts, last_t = w.back().ts;
  double result = w.back().value - w.front().value;
  if (is_counter && !no_resets) {
    for (size_t i = 1; i < w.size(); ++i) {
      if (w[i].value < w[i - 1].value) result += w[i - 1].value;
    }
  }
  double to_start = static_cast<double>(first_t - range_start) / 1000;
  double to_end = static_cast<double>(range_end - last_t) / 1000;
  double sampled = static_cast<double>(last_t - first_t) / 1000;
  double average = sampled / static_cast<double>(n_minus_one);
  double threshold = average * 1.1;
  if (to_start >= threshold) to_start = average / 2;
  if (is_counter) {
    // A counter cannot go below zero: extrapolate at most to where it would.
    double to_zero = to_start;
    if (result > 0 && w.front().value >= 0) to_zero = sampled * (w.front().value / result);
    if (to_zero < to_start) to_start = to_zero;
  }
  if (to_end >= threshold) to_end = average / 2;
  double factor = (sampled + to_start + to_end) / sampled;
  if (is_rate) factor /= static_cast<double>(range) / 1000;
  return result * factor;
}

// Prometheus's instantValue (irate, idelta) for float samples.
std::optional<double> InstantValue(std::span<const Sample> w, bool is_rate) {
  if (w.size() < 2) return std::nullopt;
  const Sample& prev = w[w.size() - 2];
  const Sample& last = w.back();
  int64_t interval = last.ts - prev.ts;
  if (interval == 0) return std::nullopt;
  double result = last.value;
  if (!is_rate || !(last.value < prev.value)) result = last.value - prev.value;
  if (is_rate) result /= static_cast<double>(interval) / 1000;
  return result;
}

// Prometheus's linearRegression: slope and the intercept at intercept_ts.
void LinearRegression(std::span<const Sample> w, int64_t intercept_ts, double* slope, double* intercept) {
  double n = 0, sum_x = 0, c_x = 0, sum_y = 0, c_y = 0, sum_xy = 0, c_xy = 0, sum_x2 = 0, c_x2 = 0;
  double init_y = w[0].value;
  bool const_y = true;
  for (size_t i = 0; i < w.size(); ++i) {
    if (const_y && i > 0 && w[i].value != init_y) const_y = false;
    n += 1.0;
    double x = static_cast<double>(w[i].ts - intercept_ts) / 1e3;
    KahanInc(x, &sum_x, &c_x);
    KahanInc(w[i].value, &sum_y, &c_y);
    KahanInc(x * w[i].value, &sum_xy, &c_xy);
    KahanInc(x * x, &sum_x2, &c_x2);
  }
  if (const_y) {
    if (std::isinf(init_y)) {
      *slope = *intercept = kNaN;
    } else {
      *slope = 0;
      *intercept = init_y;
    }
    return;
  }
  sum_x += c_x;
  sum_y += c_y;
  sum_xy += c_xy;
  sum_x2 += c_x2;
  double cov_xy = sum_xy - sum_x * sum_y / n;
  double var_x = sum_x2 - sum_x * sum_x / n;
  *slope = cov_xy / var_x;
  *intercept = sum_y / n - *slope * sum_x / n;
}

// Saturating a - b for window bounds near the ends of int64.
int64_t SubSat(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_sub_overflow(a, b, &r)) return b > 0 ? kMinTime : kMaxTime;
  return r;
}

// One point of one series: the step t, the sample's own time (instant
// vectors) and the value.
struct StepPoint {
  int64_t ts, sample_ts;
  double value;
};

// For every series `matchers` select, `eval(samples, &points)` with its
// samples in (lo, hi] (staleness markers only when `keep_stale`), on every core
// (engine/parallel_series.h); then `emit(series, point)` for each point,
// series by series in the order Select gives them, on this thread.
// With `latest_at`, of the samples in (lo, latest_at] only the latest (the
// one an instant vector's first step takes; the others may be there too),
// markers kept whatever `keep_stale` says.
template <typename Eval, typename Emit>
Status ForEachSelectedSeries(Database* db, std::span<const LabelMatcher> matchers, int64_t lo, int64_t hi,
                             std::optional<int64_t> latest_at, bool keep_stale, const CancelToken* cancel,
                             Eval eval, Emit emit) {
  OT_ASSIGN_OR_RETURN(std::vector<SeriesInfo> series, db->Select(matchers));
  engine::SeriesCursors cursors(db, series.size());
  return engine::EvaluateInParallel<std::vector<StepPoint>>(
      series.size(), cancel,
      [&](size_t i, std::vector<StepPoint>* points, int worker) {
        OT_RETURN_IF_ERROR(CheckCancel(cancel));
        if (hi <= lo) return eval(std::span<const Sample>(), points);
        OT_ASSIGN_OR_RETURN(SeriesCursor * cursor, cursors.For(worker));
        engine::SeriesSamples samples;
        const int64_t min_ts = lo == kMaxTime ? lo : lo + 1;
        if (latest_at && min_ts <= *latest_at && *latest_at <= hi) {
          OT_RETURN_IF_ERROR(samples.ReadFromLatest(cursor, series[i].id, min_ts, *latest_at, hi, cancel));
        } else {
          OT_RETURN_IF_ERROR(samples.Read(cursor, series[i].id, min_ts, hi, keep_stale, cancel));
        }
        return eval(samples.span(), points);
      },
      [&](size_t i, const std::vector<StepPoint>& points) {
        for (const StepPoint& p : points) OT_RETURN_IF_ERROR(emit(series[i], p));
        return Status::OK();
      });
}

// Calls `at(t)` for t = start, start + step, ... while t <= end, in order;
// stops at the first error. REQUIRES: ValidateSteps(start, end, step) is OK.
template <typename AtStep>
Status ForEachStep(int64_t start, int64_t end, int64_t step, AtStep at) {
  for (int64_t t = start;; t += step) {
    OT_RETURN_IF_ERROR(at(t));
    if (t > end - step) break;  // rather than t + step > end, which could overflow
  }
  return Status::OK();
}

// Prometheus's funcDoubleExponentialSmoothing (Holt's linear trend): sf
// weighs the newest value against the smoothed past, tf the newest trend
// against the past trend.
std::optional<double> DoubleExponentialSmoothing(std::span<const Sample> w, double sf, double tf) {
  if (w.size() < 2) return std::nullopt;
  double s0 = 0, s1 = w[0].value, b = w[1].value - w[0].value;
  for (size_t i = 1; i < w.size(); ++i) {
    double x = sf * w[i].value;
    if (i > 1) b = tf * (s1 - s0) + (1 - tf) * b;  // the trend, from the second step on
    double y = (1 - sf) * (s1 + b);
    s0 = s1;
    s1 = x + y;
  }
  return s1;
}

}  // namespace

Result<RangeFn> ParseRangeFn(std::string_view name) {
  for (const FnName& n : kNames) {
    if (name == n.name) return n.fn;
  }
  std::string known;
  for (const FnName& n : kNames) known += (known.empty() ? "" : ", ") + std::string(n.name);
  return Status::InvalidArgument("unknown range function '" + std::string(name) + "'; known: " + known);
}

std::string_view RangeFnName(RangeFn fn) {
  for (const FnName& n : kNames) {
    if (n.fn == fn) return n.name;
  }
  return "?";
}

int RangeFnParams(RangeFn fn) {
  switch (fn) {
    case RangeFn::kPredictLinear: return 1;
    case RangeFn::kDoubleExponentialSmoothing: return 2;
    default: return 0;
  }
}

Status CheckRangeFnParams(RangeFn fn, double param, double param2) {
  if (fn != RangeFn::kDoubleExponentialSmoothing) return Status::OK();
  // Go's %f: six decimals, and +Inf / -Inf. (NaN passes, as in Prometheus.)
  auto go_f = [](double v) {
    if (std::isinf(v)) return std::string(v > 0 ? "+Inf" : "-Inf");
    char buf[400];
    std::snprintf(buf, sizeof buf, "%f", v);
    return std::string(buf);
  };
  if (param <= 0 || param >= 1) {
    return Status::InvalidArgument("invalid smoothing factor. Expected: 0 < sf < 1, got: " + go_f(param));
  }
  if (param2 <= 0 || param2 >= 1) {
    return Status::InvalidArgument("invalid trend factor. Expected: 0 < tf < 1, got: " + go_f(param2));
  }
  return Status::OK();
}

std::optional<double> EvalRangeWindow(RangeFn fn, std::span<const Sample> w, int64_t eval_ts, int64_t offset,
                                      int64_t range, double param, double param2) {
  if (w.empty()) return std::nullopt;
  int64_t range_end = SubSat(eval_ts, offset);
  int64_t range_start = SubSat(range_end, range);
  switch (fn) {
    case RangeFn::kRate: return ExtrapolatedRate(w, range_start, range_end, range, true, true);
    case RangeFn::kIncrease: return ExtrapolatedRate(w, range_start, range_end, range, true, false);
    case RangeFn::kDelta: return ExtrapolatedRate(w, range_start, range_end, range, false, false);
    case RangeFn::kIrate: return InstantValue(w, true);
    case RangeFn::kIdelta: return InstantValue(w, false);
    case RangeFn::kResets: {
      double resets = 0;
      for (size_t i = 1; i < w.size(); ++i) {
        if (w[i].value < w[i - 1].value) ++resets;
      }
      return resets;
    }
    case RangeFn::kChanges: {
      double changes = 0;
      for (size_t i = 1; i < w.size(); ++i) {
        double cur = w[i].value, prev = w[i - 1].value;
        if (cur != prev && !(std::isnan(cur) && std::isnan(prev))) ++changes;
      }
      return changes;
    }
    case RangeFn::kDeriv: {
      if (w.size() < 2) return std::nullopt;
      double slope, intercept;
      LinearRegression(w, w[0].ts, &slope, &intercept);
      return slope;
    }
    case RangeFn::kPredictLinear: {
      if (w.size() < 2) return std::nullopt;
      double slope, intercept;
      LinearRegression(w, eval_ts, &slope, &intercept);
      return slope * param + intercept;
    }
    case RangeFn::kDoubleExponentialSmoothing: return DoubleExponentialSmoothing(w, param, param2);
  }
  return std::nullopt;
}

Status ValidateSteps(int64_t start, int64_t end, int64_t step) {
  if (step <= 0) return Status::InvalidArgument("step must be positive");
  if (start > end) return Status::InvalidArgument("start must not be after end");
  if ((static_cast<double>(end) - static_cast<double>(start)) / static_cast<double>(step) >=
      static_cast<double>(kMaxOverTimeSteps)) {
    return Status::InvalidArgument("too many evaluation steps: more than " +
                                   std::to_string(kMaxOverTimeSteps) +
                                   " points per series; use a larger step");
  }
  return Status::OK();
}

Status EvaluateRangeFunction(Database* db, std::span<const LabelMatcher> matchers,
                             const RangeFunctionQuery& q,
                             const std::function<Status(const SeriesInfo&, int64_t, double)>& fn) {
  OT_RETURN_IF_ERROR(ValidateSteps(q.start, q.end, q.step));
  if (q.range <= 0) return Status::InvalidArgument("range must be positive");
  int64_t lo = SubSat(SubSat(q.start, q.offset), q.range);
  const bool counter = q.fn == RangeFn::kRate || q.fn == RangeFn::kIncrease;
  auto eval = [&](std::span<const Sample> samples, std::vector<StepPoint>* out) {
    // rate and increase: drops_before[k] counts the i in [1, k] where the
    // value drops (a counter reset), so that a window without one, the
    // usual case, is not scanned for them: O(samples + steps) where every
    // window was scanned whole.
    std::vector<uint32_t> drops_before;
    if (counter) {
      drops_before.resize(samples.size());
      for (size_t i = 1; i < samples.size(); ++i) {
        drops_before[i] = drops_before[i - 1] + (samples[i].value < samples[i - 1].value ? 1 : 0);
      }
    }
    size_t first = 0, last = 0;  // the window is samples[first, last)
    return ForEachStep(q.start, q.end, q.step, [&](int64_t t) {
      int64_t w_end = SubSat(t, q.offset), w_start = SubSat(w_end, q.range);
      while (last < samples.size() && samples[last].ts <= w_end) ++last;
      while (first < last && samples[first].ts <= w_start) ++first;
      if (first < last) OT_RETURN_IF_ERROR(CheckRangeFnParams(q.fn, q.param, q.param2));
      std::optional<double> v;
      if (counter && last - first >= 2 && drops_before[last - 1] == drops_before[first]) {
        int64_t range_end = SubSat(t, q.offset);
        v = ExtrapolatedRate(samples.subspan(first, last - first), SubSat(range_end, q.range), range_end,
                             q.range,
                             /*is_counter=*/true, /*is_rate=*/q.fn == RangeFn::kRate, /*no_resets=*/true);
      } else {
        v = EvalRangeWindow(q.fn, samples.subspan(first, last - first), t, q.offset, q.range, q.param,
                            q.param2);
      }
      if (v) out->push_back(StepPoint{t, 0, *v});
      return Status::OK();
    });
  };
  return ForEachSelectedSeries(db, matchers, lo, SubSat(q.end, q.offset), /*latest_at=*/std::nullopt,
                               /*keep_stale=*/false, q.cancel, eval,
                               [&](const SeriesInfo& s, const StepPoint& p) { return fn(s, p.ts, p.value); });
}

Status EvaluateInstantVector(Database* db, std::span<const LabelMatcher> matchers,
                             const InstantVectorQuery& q,
                             const std::function<Status(const SeriesInfo&, int64_t, int64_t, double)>& fn) {
  OT_RETURN_IF_ERROR(ValidateSteps(q.start, q.end, q.step));
  if (q.lookback <= 0) return Status::InvalidArgument("lookback must be positive");
  int64_t lo = SubSat(SubSat(q.start, q.offset), q.lookback);
  auto eval = [&](std::span<const Sample> samples, std::vector<StepPoint>* out) {
    size_t next = 0;  // samples[0, next) are at or before the reference time
    return ForEachStep(q.start, q.end, q.step, [&](int64_t t) {
      int64_t ref = SubSat(t, q.offset);
      while (next < samples.size() && samples[next].ts <= ref) ++next;
      if (next == 0) return Status::OK();
      const Sample& latest = samples[next - 1];
      if (latest.ts <= SubSat(ref, q.lookback) || IsStaleNaN(latest.value)) return Status::OK();
      out->push_back(StepPoint{t, latest.ts, latest.value});
      return Status::OK();
    });
  };
  // Markers are kept here: the latest sample being one hides the series.
  // Before the first step only the latest sample counts: of the lookback
  // window (5 minutes, ~20 samples at 15 s) one sample is read.
  return ForEachSelectedSeries(
      db, matchers, lo, SubSat(q.end, q.offset), /*latest_at=*/SubSat(q.start, q.offset), /*keep_stale=*/true,
      q.cancel, eval,
      [&](const SeriesInfo& s, const StepPoint& p) { return fn(s, p.ts, p.sample_ts, p.value); });
}

}  // namespace overtone
