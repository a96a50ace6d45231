// The `*_over_time` functions on one window, following Prometheus 3.x's
// promql/functions.go operation for operation, so results agree bit for bit.

#include "overtone/over_time.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <unordered_map>
#include <vector>

#include "engine/parallel_series.h"
#include "engine/prom_math.h"
#include "engine/quantile_sketch.h"
#include "engine/series_samples.h"
#include "engine/sorted_quantile.h"
#include "storage/codec/summary.h"

namespace overtone {
namespace {

using engine::KahanInc;
using engine::Quantile;
using engine::WelfordInc;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct FnName {
  OverTimeFn fn;
  std::string_view name;
};
constexpr FnName kNames[] = {
    {OverTimeFn::kAvg, "avg_over_time"},
    {OverTimeFn::kSum, "sum_over_time"},
    {OverTimeFn::kCount, "count_over_time"},
    {OverTimeFn::kMin, "min_over_time"},
    {OverTimeFn::kMax, "max_over_time"},
    {OverTimeFn::kStddev, "stddev_over_time"},
    {OverTimeFn::kStdvar, "stdvar_over_time"},
    {OverTimeFn::kLast, "last_over_time"},
    {OverTimeFn::kFirst, "first_over_time"},
    {OverTimeFn::kPresent, "present_over_time"},
    {OverTimeFn::kQuantile, "quantile_over_time"},
    {OverTimeFn::kMad, "mad_over_time"},
    {OverTimeFn::kTsOfMin, "ts_of_min_over_time"},
    {OverTimeFn::kTsOfMax, "ts_of_max_over_time"},
    {OverTimeFn::kTsOfLast, "ts_of_last_over_time"},
    {OverTimeFn::kTsOfFirst, "ts_of_first_over_time"},
    {OverTimeFn::kEntropy, "entropy_over_time"},
    {OverTimeFn::kDistinct, "distinct_over_time"},
    {OverTimeFn::kL1, "l1_over_time"},
    {OverTimeFn::kL2, "l2_over_time"},
    {OverTimeFn::kQuantileSketch, "quantile_sketch_over_time"},
};

// KahanInc of w[from], w[from + 1], ... into *sum, *c while the sum stays
// finite; returns the index of the first value that would make it
// infinite, or w.size(). The same operations as KahanInc in the same order,
// inlined in one loop: only additions and subtractions of loaded values,
// nothing a compiler could contract into a fused multiply-add, and out of
// line itself so that no caller's arithmetic is contracted into it.
[[gnu::noinline]] size_t KahanSumWhileFinite(std::span<const Sample> w, size_t from, double* sum, double* c) {
  double s = *sum, comp = *c;
  size_t i = from;
  for (; i < w.size(); ++i) {
    const double inc = w[i].value;
    const double t = s + inc;
    if (std::isinf(t)) break;
    if (std::fabs(s) >= std::fabs(inc)) {
      comp += (s - t) + inc;
    } else {
      comp += (inc - t) + s;
    }
    s = t;
  }
  *sum = s;
  *c = comp;
  return i;
}

double Avg(std::span<const Sample> w) {
  double sum = w[0].value, count = 1, mean = 0, c = 0;
  bool incremental = false;
  // The common case, a sum that stays finite, in one tight loop.
  size_t stop = KahanSumWhileFinite(w, 1, &sum, &c);
  if (stop == w.size()) return sum / static_cast<double>(w.size()) + c / static_cast<double>(w.size());
  for (size_t i = stop; i < w.size(); ++i) {
    count = static_cast<double>(i + 1);
    if (!incremental) {
      double new_sum = sum, new_c = c;
      KahanInc(w[i].value, &new_sum, &new_c);
      if (!std::isinf(new_sum)) {
        sum = new_sum;
        c = new_c;
        continue;
      }
      incremental = true;  // the plain sum would overflow: switch to a running mean
      mean = sum / (count - 1);
      c /= (count - 1);
    }
    double q = (count - 1) / count;
    mean = q * mean;
    c = q * c;
    KahanInc(w[i].value / count, &mean, &c);
  }
  if (incremental) return mean + c;
  return sum / count + c / count;
}

double Sum(std::span<const Sample> w) {
  double sum = 0, c = 0;
  for (size_t i = KahanSumWhileFinite(w, 0, &sum, &c); i < w.size();
       i = KahanSumWhileFinite(w, i, &sum, &c)) {
    KahanInc(w[i++].value, &sum, &c);  // the sum becomes infinite here
  }
  return std::isinf(sum) ? sum : sum + c;
}

double Variance(std::span<const Sample> w) {
  double count = 0, mean = 0, c_mean = 0, aux = 0, c_aux = 0;
  for (const Sample& s : w) WelfordInc(s.value, &count, &mean, &c_mean, &aux, &c_aux);
  return (aux + c_aux) / count;
}

// Prometheus's compareOverTime: the running best is replaced when `better`
// says so or while it is NaN. Returns the value or its timestamp in seconds.
template <typename Better>
double Compare(std::span<const Sample> w, Better better, bool timestamp) {
  double best = w[0].value;
  int64_t ts = w[0].ts;
  for (const Sample& s : w) {
    if (better(s.value, best) || std::isnan(best)) {
      best = s.value;
      ts = s.ts;
    }
  }
  return timestamp ? static_cast<double>(ts) / 1000 : best;
}

std::vector<double> Values(std::span<const Sample> w) {
  std::vector<double> v;
  v.reserve(w.size());
  for (const Sample& s : w) v.push_back(s.value);
  return v;
}

std::unordered_map<uint64_t, uint64_t> Frequencies(std::span<const Sample> w) {
  std::unordered_map<uint64_t, uint64_t> f;
  for (const Sample& s : w) f[std::bit_cast<uint64_t>(s.value)]++;
  return f;
}

}  // namespace

Result<OverTimeFn> ParseOverTimeFn(std::string_view name) {
  for (const FnName& n : kNames) {
    if (name == n.name || name == n.name.substr(0, n.name.size() - std::string_view("_over_time").size())) {
      return n.fn;
    }
  }
  std::string known;
  for (const FnName& n : kNames) known += (known.empty() ? "" : ", ") + std::string(n.name);
  return Status::InvalidArgument("unknown function '" + std::string(name) + "'; known: " + known);
}

std::string_view OverTimeFnName(OverTimeFn fn) {
  for (const FnName& n : kNames) {
    if (n.fn == fn) return n.name;
  }
  return "?";
}

bool OverTimeFnTakesParam(OverTimeFn fn) {
  return fn == OverTimeFn::kQuantile || fn == OverTimeFn::kQuantileSketch;
}

std::optional<double> EvalWindow(OverTimeFn fn, std::span<const Sample> w, double param) {
  if (w.empty()) return std::nullopt;
  switch (fn) {
    case OverTimeFn::kAvg: return Avg(w);
    case OverTimeFn::kSum: return Sum(w);
    case OverTimeFn::kCount: return static_cast<double>(w.size());
    case OverTimeFn::kMin:
      return Compare(
          w, [](double a, double b) { return a < b; }, false);
    case OverTimeFn::kMax:
      return Compare(
          w, [](double a, double b) { return a > b; }, false);
    case OverTimeFn::kStddev: return std::sqrt(Variance(w));
    case OverTimeFn::kStdvar: return Variance(w);
    case OverTimeFn::kLast: return w.back().value;
    case OverTimeFn::kFirst: return w.front().value;
    case OverTimeFn::kPresent: return 1.0;
    case OverTimeFn::kQuantile: return Quantile(param, Values(w));
    case OverTimeFn::kQuantileSketch: {
      engine::QuantileSketch sketch(kQuantileSketchRelativeError);
      for (const Sample& s : w) sketch.Add(s.value);
      return sketch.Quantile(param);
    }
    case OverTimeFn::kMad: {
      // A NaN sample makes the result NaN rather than being dropped (Prometheus 3.x).
      for (const Sample& s : w) {
        if (std::isnan(s.value)) return kNaN;
      }
      double median = Quantile(0.5, Values(w));
      std::vector<double> dev;
      dev.reserve(w.size());
      for (const Sample& s : w) dev.push_back(std::fabs(s.value - median));
      return Quantile(0.5, std::move(dev));
    }
    case OverTimeFn::kTsOfMin:
      return Compare(
          w, [](double a, double b) { return a <= b; }, true);
    case OverTimeFn::kTsOfMax:
      return Compare(
          w, [](double a, double b) { return a >= b; }, true);
    case OverTimeFn::kTsOfLast: return static_cast<double>(w.back().ts) / 1000;
    case OverTimeFn::kTsOfFirst: return static_cast<double>(w.front().ts) / 1000;
    case OverTimeFn::kDistinct: return static_cast<double>(Frequencies(w).size());
    case OverTimeFn::kL1: return static_cast<double>(w.size());
    case OverTimeFn::kL2: {
      double sq = 0;
      for (auto& [v, f] : Frequencies(w)) sq += static_cast<double>(f) * static_cast<double>(f);
      return std::sqrt(sq);
    }
    case OverTimeFn::kEntropy: {
      double n = static_cast<double>(w.size()), acc = 0;
      for (auto& [v, f] : Frequencies(w)) acc += static_cast<double>(f) * std::log2(static_cast<double>(f));
      return std::log2(n) - acc / n;
    }
  }
  return std::nullopt;
}

Status ValidateOverTimeQuery(const OverTimeQuery& q) {
  if (q.step <= 0) return Status::InvalidArgument("step must be positive");
  if (q.range <= 0) return Status::InvalidArgument("range must be positive");
  if (q.start > q.end) return Status::InvalidArgument("start must not be after end");
  if ((static_cast<double>(q.end) - static_cast<double>(q.start)) / static_cast<double>(q.step) >=
      static_cast<double>(kMaxOverTimeSteps)) {
    return Status::InvalidArgument("too many evaluation steps: more than " +
                                   std::to_string(kMaxOverTimeSteps) +
                                   " points per series; use a larger step");
  }
  if (q.fn == OverTimeFn::kQuantile && std::isnan(q.param)) {
    return Status::InvalidArgument("quantile_over_time needs a quantile q");
  }
  return Status::OK();
}

double OverTimeRankErrorBound(const OverTimeQuery& q) {
  if (!q.approximate || !q.use_summaries || q.fn != OverTimeFn::kQuantile) return 0;
  return 1.0 / static_cast<double>(storage::kMaxQuantilePoints - 1);
}

Status EvaluateOverTime(Database* db, std::span<const LabelMatcher> matchers, const OverTimeQuery& q,
                        const OverTimeCallback& fn) {
  return db->EvaluateOverTime(matchers, q, fn);
}

Status EvaluateOverTimeByScan(Database* db, std::span<const LabelMatcher> matchers, const OverTimeQuery& q,
                              const OverTimeCallback& fn) {
  OT_RETURN_IF_ERROR(ValidateOverTimeQuery(q));
  OT_ASSIGN_OR_RETURN(std::vector<SeriesInfo> series, db->Select(matchers));
  // Samples in (start - range, end]; saturate rather than overflow.
  int64_t lo = q.start < kMinTime + q.range ? kMinTime : q.start - q.range + 1;
  // Series on every core, handed to fn in order (engine/parallel_series.h).
  struct Point {
    int64_t ts;
    double value;
  };
  engine::SeriesCursors cursors(db, series.size());
  auto job = [&](size_t i, std::vector<Point>* out, int worker) -> Status {
    OT_RETURN_IF_ERROR(CheckCancel(q.cancel));
    OT_ASSIGN_OR_RETURN(SeriesCursor * cursor, cursors.For(worker));
    engine::SeriesSamples buffer;
    OT_RETURN_IF_ERROR(buffer.Read(cursor, series[i].id, lo, q.end, /*keep_stale=*/false, q.cancel));
    const std::span<const Sample> samples = buffer.span();
    size_t first = 0, last = 0;  // window [first, last)
    for (int64_t t = q.start;; t += q.step) {
      while (last < samples.size() && samples[last].ts <= t) ++last;
      if (t >= kMinTime + q.range) {
        while (first < last && samples[first].ts <= t - q.range) ++first;
      }
      auto v = EvalWindow(q.fn, samples.subspan(first, last - first), q.param);
      if (v) out->push_back(Point{t, *v});
      if (t > q.end - q.step) break;
    }
    return Status::OK();
  };
  return engine::EvaluateInParallel<std::vector<Point>>(series.size(), q.cancel, job,
                                                        [&](size_t i, const std::vector<Point>& points) {
                                                          for (const Point& p : points)
                                                            OT_RETURN_IF_ERROR(fn(series[i], p.ts, p.value));
                                                          return Status::OK();
                                                        });
}

}  // namespace overtone
