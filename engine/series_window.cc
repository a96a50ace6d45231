// SeriesWindow: one series' standing window (standing_windows.h).

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/sorted_quantile.h"
#include "engine/standing_windows.h"

namespace overtone::engine {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

int64_t LeftEdge(int64_t t, int64_t range) { return t < kMinTime + range ? kMinTime : t - range; }

// Appends s to a monotonic deque: `worse(a, b)` says a can never again be
// the extreme once b is in the window. Strict, so the earliest of equal
// values (-0 and +0) stays first, as Prometheus's scan keeps it.
template <typename Worse>
void PushExtreme(std::deque<Sample>* q, const Sample& s, Worse worse) {
  if (std::isnan(s.value)) return;
  while (!q->empty() && worse(q->back().value, s.value)) q->pop_back();
  q->push_back(s);
}

bool Greater(double a, double b) { return a > b; }
bool Less(double a, double b) { return a < b; }

}  // namespace

uint32_t SeriesWindow::NeedsOf(OverTimeFn fn) {
  switch (fn) {
    case OverTimeFn::kSum:
    case OverTimeFn::kAvg: return kSum;
    case OverTimeFn::kMin: return kMin;
    case OverTimeFn::kMax: return kMax;
    case OverTimeFn::kQuantile: return kSorted;
    case OverTimeFn::kQuantileSketch: return kSketch;
    // The extremes tell a constant window, whose variance is 0 (IsConstant).
    case OverTimeFn::kStddev:
    case OverTimeFn::kStdvar: return kMin | kMax | kNonFinite;
    default: return 0;
  }
}

SeriesWindow::SeriesWindow(uint32_t needs, int64_t range, int64_t t0, std::vector<Sample> samples)
    : needs_(needs), range_(range), t_(t0), samples_(std::move(samples)) {
  if (needs_ & kSketch) sketch_ = std::make_unique<QuantileSketch>(kQuantileSketchRelativeError);
  while (joined_ < samples_.size() && samples_[joined_].ts <= t_) Join(samples_[joined_++]);
}

void SeriesWindow::Join(const Sample& s) {
  if (needs_ & kSum) {
    sum_.Add(s.value);
    abs_sum_.Add(std::fabs(s.value));
    if (std::isfinite(s.value) && s.value != 0) ++grains_[LowestBitExponent(s.value)];
  }
  if ((needs_ & (kSum | kNonFinite)) && !std::isfinite(s.value)) ++nonfinite_;
  if (needs_ & kSketch) sketch_->Add(s.value);
  if (needs_ & kSorted)
    sorted_.insert(std::upper_bound(sorted_.begin(), sorted_.end(), s.value, QuantileOrderLess), s.value);
  if (extremes_dirty_) return;
  if (needs_ & kMin) PushExtreme(&min_q_, s, Greater);
  if (needs_ & kMax) PushExtreme(&max_q_, s, Less);
}

void SeriesWindow::Leave(const Sample& s) {
  if (needs_ & kSum) {
    sum_.Remove(s.value);
    abs_sum_.Remove(std::fabs(s.value));
    if (std::isfinite(s.value) && s.value != 0) {
      auto g = grains_.find(LowestBitExponent(s.value));
      if (--g->second == 0) grains_.erase(g);
    }
  }
  if ((needs_ & (kSum | kNonFinite)) && !std::isfinite(s.value)) --nonfinite_;
  if (needs_ & kSketch) sketch_->Remove(s.value);
  if (needs_ & kSorted)
    sorted_.erase(std::lower_bound(sorted_.begin(), sorted_.end(), s.value, QuantileOrderLess));
  if (extremes_dirty_) return;
  if (!min_q_.empty() && min_q_.front().ts == s.ts) min_q_.pop_front();
  if (!max_q_.empty() && max_q_.front().ts == s.ts) max_q_.pop_front();
}

void SeriesWindow::Feed(const Sample& s) {
  size_t i = samples_.LowerBound(s.ts);
  bool exists = i < samples_.size() && samples_[i].ts == s.ts;
  bool joined = i < joined_;
  if (IsStaleNaN(s.value)) {  // the sample at s.ts is overwritten by a marker: it is gone
    if (!exists) return;
    if (joined) {
      extremes_dirty_ = true;
      Leave(samples_[i]);
      --joined_;
    }
    samples_.Erase(i);
    return;
  }
  if (s.ts <= LeftEdge(t_, range_)) return;  // before the window: no later window holds it
  if (exists) {
    if (joined) {
      extremes_dirty_ = true;
      Leave(samples_[i]);
      Join(s);
    }
    samples_[i] = s;
    return;
  }
  if (s.ts > t_) {
    samples_.Insert(i, s);
    return;
  }
  // A late sample inside the window joins it at once.
  if (i != joined_) extremes_dirty_ = true;
  samples_.Insert(i, s);
  Join(s);
  ++joined_;
}

void SeriesWindow::MoveTo(int64_t t) {
  t_ = t;
  while (joined_ < samples_.size() && samples_[joined_].ts <= t) Join(samples_[joined_++]);
  int64_t left = LeftEdge(t, range_);
  while (!samples_.empty() && samples_.front().ts <= left) {
    Leave(samples_.front());
    samples_.pop_front();
    --joined_;
  }
  if (extremes_dirty_) RebuildExtremes();
}

void SeriesWindow::RebuildExtremes() {
  min_q_.clear();
  max_q_.clear();
  for (size_t i = 0; i < joined_; ++i) {
    if (needs_ & kMin) PushExtreme(&min_q_, samples_[i], Greater);
    if (needs_ & kMax) PushExtreme(&max_q_, samples_[i], Less);
  }
  extremes_dirty_ = false;
}

bool SeriesWindow::SumIsExact() const {
  if (nonfinite_ != 0) return false;
  if (grains_.empty()) return true;  // all zeros
  // Every partial sum is a multiple of 2^e no larger than sum |x| < 2^(53+e):
  // representable, so every addition (and Kahan's correction, 0) is exact.
  // Rounding is monotonic and 2^(53+e) a double, so comparing the rounded
  // sum of |x| is exact too.
  int e = grains_.begin()->first;
  return e + 53 < 1024 && abs_sum_.Value() < std::ldexp(1.0, e + 53);
}

// Prometheus's sum is Kahan-Neumaier's s + c after folding x_1..x_n into
// s and c from 0. Each step's error e_i = s_{i-1} + x_i - s_i is exact
// (|e_i| <= u (|s_{i-1}| + |x_i|) <= u A (1+u)^n, u = 2^-53, A = sum |x|),
// so s_n + sum e_i is the exact sum S; c is sum e_i with at most n-1
// roundings: |c - sum e_i| <= gamma_n sum |e_i| <= 1.05 n^2 u^2 A for
// n <= 2^26. So s + c = S + d, |d| < 2 n^2 u^2 A =: B, and fl(s + c) is S
// rounded to nearest whenever S lies farther than B from the midpoints
// around its rounding hi: |S - hi| + B < ulp/2 (with 2% to spare for the
// roundings in this test). Values of a scrape, whose sums are not exact,
// pass it nearly always (S is rarely within B, ~1e-26 relative, of a
// midpoint); the others are folded.
std::optional<double> SeriesWindow::RoundedSum() const {
  if (nonfinite_ != 0 || joined_ > (size_t{1} << 26)) return std::nullopt;
  double a = abs_sum_.Value();
  // No overflow on the way; B stays a normal number (no underflow in it).
  if (!(a < 0x1p1000) || a < 0x1p-900) return std::nullopt;
  double hi = 0, lo = 0;
  sum_.Split(&hi, &lo);
  if (hi == 0) return std::nullopt;
  double n = static_cast<double>(joined_);
  double bound = std::ldexp(2 * n * n * a, -106);
  double mag = std::fabs(hi);
  double ulp = std::min(std::nextafter(mag, kInfinity) - mag, mag - std::nextafter(mag, 0.0));
  if (std::fabs(lo) + bound < 0.49 * ulp) return hi;
  return std::nullopt;
}

// Welford's fold over n copies of a finite v (any mix of -0 and +0 when v
// is 0): the first step sets mean = v and adds v * (v - v) = ±0 to aux; each
// later one has delta = v - (v + 0) = +0, which changes neither mean nor
// aux. So aux and its compensation stay +0 and the variance is 0 / n = +0.
bool SeriesWindow::IsConstant() const {
  return nonfinite_ == 0 && !min_q_.empty() && min_q_.front().value == max_q_.front().value;
}

std::optional<double> SeriesWindow::Result(OverTimeFn fn, double param) const {
  Answer a = Prepare(fn, param);
  if (a.fold.empty()) return a.value;
  return EvalWindow(fn, a.fold, param);
}

SeriesWindow::Answer SeriesWindow::Prepare(OverTimeFn fn, double param) const {
  if (joined_ == 0) return {};
  const Sample& last = samples_[joined_ - 1];
  switch (fn) {
    case OverTimeFn::kCount: return {static_cast<double>(joined_)};
    case OverTimeFn::kPresent: return {1.0};
    case OverTimeFn::kLast: return {last.value};
    case OverTimeFn::kFirst: return {samples_.front().value};
    // Prometheus's Kahan fold with a zero correction: sum + 0, sum/n + 0/n.
    case OverTimeFn::kSum:
      if (SumIsExact()) return {sum_.Value() + 0.0};
      if (std::optional<double> rounded = RoundedSum()) return {rounded};
      return Fold();
    case OverTimeFn::kAvg:
      if (SumIsExact()) {
        double n = static_cast<double>(joined_);
        return {sum_.Value() / n + 0.0 / n};
      }
      return Fold();
    case OverTimeFn::kStddev:
    case OverTimeFn::kStdvar:
      if (IsConstant()) return {0.0};
      return Fold();
    // With only NaNs in the window, Prometheus's scan ends on the last one.
    case OverTimeFn::kMin: return {min_q_.empty() ? last.value : min_q_.front().value};
    case OverTimeFn::kMax: return {max_q_.empty() ? last.value : max_q_.front().value};
    case OverTimeFn::kQuantile: return {QuantileOfSorted(param, sorted_)};
    case OverTimeFn::kQuantileSketch: return {sketch_->Quantile(param)};
    default: return Fold();
  }
}

void SampleQueue::pop_front() {
  ++head_;
  // Moving the rest down once it is no longer than what went: each sample
  // is moved O(1) times on average.
  if (head_ >= 64 && head_ * 2 >= v_.size()) {
    v_.erase(v_.begin(), v_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }
}

size_t SampleQueue::LowerBound(int64_t ts) const {
  auto begin = v_.begin() + static_cast<std::ptrdiff_t>(head_);
  auto pos = std::lower_bound(begin, v_.end(), ts, [](const Sample& a, int64_t t) { return a.ts < t; });
  return static_cast<size_t>(pos - begin);
}

void SampleQueue::Insert(size_t i, const Sample& s) {
  v_.insert(v_.begin() + static_cast<std::ptrdiff_t>(head_ + i), s);
}

void SampleQueue::Erase(size_t i) { v_.erase(v_.begin() + static_cast<std::ptrdiff_t>(head_ + i)); }

}  // namespace overtone::engine
