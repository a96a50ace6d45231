#include "engine/window_accumulator.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/prom_math.h"

namespace overtone::engine {
namespace {

bool NanFirstLess(double a, double b) { return std::isnan(a) ? !std::isnan(b) : a < b; }

}  // namespace

storage::Summary BuildSummary(std::span<const Sample> samples) {
  storage::Summary s;
  double w_count = 0;
  bool first = true;
  double le_min = 0, ge_max = 0;
  for (const Sample& x : samples) {
    if (IsStaleNaN(x.value)) continue;
    double v = x.value;
    ++s.count;
    s.has_nan |= std::isnan(v);
    KahanInc(v, &s.sum, &s.sum_c);
    WelfordInc(v, &w_count, &s.mean, &s.mean_c, &s.m2, &s.m2_c);
    if (first) {
      s.first = s.min = s.max = le_min = ge_max = v;
      s.first_ts = s.ts_of_min = s.ts_of_max = x.ts;
      first = false;
    } else {
      if (v < s.min || std::isnan(s.min)) s.min = v;
      if (v > s.max || std::isnan(s.max)) s.max = v;
      if (v <= le_min || std::isnan(le_min)) {
        le_min = v;
        s.ts_of_min = x.ts;
      }
      if (v >= ge_max || std::isnan(ge_max)) {
        ge_max = v;
        s.ts_of_max = x.ts;
      }
    }
    s.last = v;
    s.last_ts = x.ts;
  }
  return s;
}

std::vector<double> QuantilePoints(std::vector<double> values) {
  std::sort(values.begin(), values.end(), NanFirstLess);
  std::vector<double> points;
  size_t m = std::min(values.size(), storage::kMaxQuantilePoints);
  points.reserve(m);
  for (size_t j = 0; j < m; ++j) {
    size_t rank =
        m == 1 ? 0 : static_cast<size_t>(std::llround(double(j) * double(values.size() - 1) / double(m - 1)));
    points.push_back(values[rank]);
  }
  return points;
}

bool SummarizableExactly(OverTimeFn fn) {
  switch (fn) {
    case OverTimeFn::kAvg:
    case OverTimeFn::kSum:
    case OverTimeFn::kCount:
    case OverTimeFn::kMin:
    case OverTimeFn::kMax:
    case OverTimeFn::kStddev:
    case OverTimeFn::kStdvar:
    case OverTimeFn::kLast:
    case OverTimeFn::kFirst:
    case OverTimeFn::kPresent:
    case OverTimeFn::kTsOfMin:
    case OverTimeFn::kTsOfMax:
    case OverTimeFn::kTsOfLast:
    case OverTimeFn::kTsOfFirst:
    case OverTimeFn::kL1: return true;
    default: return false;
  }
}

bool SummarizableApproximately(OverTimeFn fn) { return fn == OverTimeFn::kQuantile; }

void WindowAccumulator::Add(const Sample& x) {
  double v = x.value;
  nan_ |= std::isnan(v);
  pos_inf_ |= v == std::numeric_limits<double>::infinity();
  neg_inf_ |= v == -std::numeric_limits<double>::infinity();
  KahanInc(v, &sum_, &sum_c_);
  WelfordInc(v, &w_count_, &mean_, &mean_c_, &aux_, &aux_c_);
  if (count_ == 0) {
    first_ = x;
    min_ = max_ = le_min_ = ge_max_ = v;
    ts_of_min_ = ts_of_max_ = x.ts;
  } else {
    if (v < min_ || std::isnan(min_)) min_ = v;
    if (v > max_ || std::isnan(max_)) max_ = v;
    if (v <= le_min_ || std::isnan(le_min_)) {
      le_min_ = v;
      ts_of_min_ = x.ts;
    }
    if (v >= ge_max_ || std::isnan(ge_max_)) {
      ge_max_ = v;
      ts_of_max_ = x.ts;
    }
  }
  last_ = x;
  ++count_;
  points_.emplace_back(v, 1.0);
}

void WindowAccumulator::Add(const storage::Summary& s) {
  nan_ |= s.has_nan;
  pos_inf_ |= s.max == std::numeric_limits<double>::infinity();
  neg_inf_ |= s.min == -std::numeric_limits<double>::infinity();
  KahanInc(s.sum, &sum_, &sum_c_);
  KahanInc(s.sum_c, &sum_, &sum_c_);
  // Chan et al.'s parallel variance: combine (n, mean, M2) of both sides.
  double na = w_count_, nb = static_cast<double>(s.count);
  double mean_a = mean_ + mean_c_, mean_b = s.mean + s.mean_c;
  double m2_a = aux_ + aux_c_, m2_b = s.m2 + s.m2_c;
  double n = na + nb, delta = mean_b - mean_a;
  mean_ = na == 0 ? mean_b : mean_a + delta * (nb / n);
  aux_ = na == 0 ? m2_b : m2_a + m2_b + delta * delta * (na * nb / n);
  mean_c_ = aux_c_ = 0;
  w_count_ = n;

  if (count_ == 0) {
    first_ = Sample{s.first_ts, s.first};
    min_ = le_min_ = s.min;
    max_ = ge_max_ = s.max;
    ts_of_min_ = s.ts_of_min;
    ts_of_max_ = s.ts_of_max;
  } else {
    if (s.min < min_ || std::isnan(min_)) min_ = s.min;
    if (s.max > max_ || std::isnan(max_)) max_ = s.max;
    if (s.min <= le_min_ || std::isnan(le_min_)) {
      le_min_ = s.min;
      ts_of_min_ = s.ts_of_min;
    }
    if (s.max >= ge_max_ || std::isnan(ge_max_)) {
      ge_max_ = s.max;
      ts_of_max_ = s.ts_of_max;
    }
  }
  last_ = Sample{s.last_ts, s.last};
  count_ += s.count;
  if (!s.quantile_points.empty()) {
    double weight = static_cast<double>(s.count) / static_cast<double>(s.quantile_points.size());
    for (double p : s.quantile_points) points_.emplace_back(p, weight);
  }
}

// A scan (over_time.cc) of a window holding NaN: the Kahan sum, the running
// mean and Welford's variance all turn NaN and stay NaN. Holding +Inf but
// not -Inf or NaN: the sum and the mean are +Inf (Inf plus anything finite
// stays Inf, and the Kahan compensation is reset to 0), the variance NaN
// (Inf - Inf in Welford's step); symmetrically for -Inf; both: NaN.
std::optional<double> WindowAccumulator::SpecialResult(OverTimeFn fn) const {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  constexpr double kInf = std::numeric_limits<double>::infinity();
  if (!nan_ && !pos_inf_ && !neg_inf_) return std::nullopt;
  switch (fn) {
    case OverTimeFn::kSum:
    case OverTimeFn::kAvg:
      if (nan_ || (pos_inf_ && neg_inf_)) return kNaN;
      return pos_inf_ ? kInf : -kInf;
    case OverTimeFn::kStddev:
    case OverTimeFn::kStdvar: return kNaN;
    default: return std::nullopt;
  }
}

bool WindowAccumulator::NonFiniteIsExact(OverTimeFn fn) const {
  switch (fn) {
    case OverTimeFn::kSum:
    case OverTimeFn::kAvg:
    case OverTimeFn::kStddev:
    case OverTimeFn::kStdvar: break;
    default: return true;  // min, max, first, last, ...: merged exactly whatever the values
  }
  // Finite samples only: the sums may have overflowed, in an order of their own.
  if (!SpecialResult(fn)) return false;
  if (fn != OverTimeFn::kSum || nan_ || (pos_inf_ && neg_inf_)) return true;
  // Only +Inf (or only -Inf): a scan's running sum could have overflowed to
  // the other infinity before reaching it, and +Inf + -Inf is NaN. Not when
  // the finite samples of the other sign cannot add up past the largest
  // double: they are at most count * |min| (|max|) together.
  double n = static_cast<double>(count_);
  double other = pos_inf_ ? min_ : max_;
  if (pos_inf_ ? other >= 0 : other <= 0) return true;  // no finite sample of the other sign
  return std::fabs(other) < std::numeric_limits<double>::max() / n;
}

std::optional<double> WindowAccumulator::Result(OverTimeFn fn, double param) const {
  if (count_ == 0) return std::nullopt;
  if (auto special = SpecialResult(fn)) return special;
  double n = static_cast<double>(count_);
  switch (fn) {
    case OverTimeFn::kAvg: return sum_ / n + sum_c_ / n;
    case OverTimeFn::kSum: return std::isinf(sum_) ? sum_ : sum_ + sum_c_;
    case OverTimeFn::kCount:
    case OverTimeFn::kL1: return n;
    case OverTimeFn::kMin: return min_;
    case OverTimeFn::kMax: return max_;
    case OverTimeFn::kStdvar: return (aux_ + aux_c_) / w_count_;
    case OverTimeFn::kStddev: return std::sqrt((aux_ + aux_c_) / w_count_);
    case OverTimeFn::kLast: return last_.value;
    case OverTimeFn::kFirst: return first_.value;
    case OverTimeFn::kPresent: return 1.0;
    case OverTimeFn::kTsOfMin: return static_cast<double>(ts_of_min_) / 1000;
    case OverTimeFn::kTsOfMax: return static_cast<double>(ts_of_max_) / 1000;
    case OverTimeFn::kTsOfLast: return static_cast<double>(last_.ts) / 1000;
    case OverTimeFn::kTsOfFirst: return static_cast<double>(first_.ts) / 1000;
    case OverTimeFn::kQuantile: {
      if (std::isnan(param)) return std::numeric_limits<double>::quiet_NaN();
      if (param < 0) return -std::numeric_limits<double>::infinity();
      if (param > 1) return std::numeric_limits<double>::infinity();
      std::vector<std::pair<double, double>> pts = points_;
      std::sort(pts.begin(), pts.end(), [](auto& a, auto& b) { return NanFirstLess(a.first, b.first); });
      // The value whose weight interval [cum - w, cum) holds the target rank.
      double target = param * (n - 1), cum = 0;
      for (auto& [v, w] : pts) {
        cum += w;
        if (cum > target) return v;
      }
      return pts.back().first;
    }
    default: return std::nullopt;
  }
}

}  // namespace overtone::engine
