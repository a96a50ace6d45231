// StandingWindows: `*_over_time` windows kept up to date as samples arrive,
// so that a rule evaluating avg_over_time(x[1h]) every 15 s does not rescan
// an hour each time.
//
// A standing window is a selector, a range and the functions asked of it
// (Database::AddStandingWindow). For each matching series it holds the
// samples of its window, in time order, and the aggregates its functions
// need:
//   min, max                   monotonic deques of (ts, value)
//   quantile                   the values sorted (sorted_quantile.h)
//   quantile_sketch            a relative-error sketch (quantile_sketch.h)
//                              that values join and leave: the sketch of
//                              exactly the window's values
//   count, last, first, present  the samples themselves
//   sum, avg                   an exact sum (exact_sum.h) while the window's
//                              float sum is exact; sum also where the fold
//                              provably gives the exact sum rounded
//                              (SeriesWindow::RoundedSum); else a fold
//   stddev, stdvar             the extremes (a window of one value has
//                              variance 0), else a fold of the window
// The answers are the bits a fresh evaluation (EvalWindow) gives. min/max
// keep the earliest sample equal to the extreme, as Prometheus's
// left-to-right scan does, and the quantile order is total. Sums are the
// hard part: Prometheus folds them left to right with Kahan-Neumaier
// compensation (and Welford for the variance), which depends on the order
// of operations, so no add-and-evict structure reproduces it in general; and
// the PromQL conformance suite pins that fold's answers (functions.test
// expects 0 where the exact sum is -44.848). So the window keeps an exact
// sum and uses it only where the fold is exact as well: every value a
// multiple of 2^e and their absolute values adding up to less than 2^(53+e)
// (integers such as counters and most gauges of whole numbers); there Kahan's
// result is the exact sum. sum of other values: Kahan-Neumaier's result is
// within a small bound of the exact sum, so where the exact sum is farther
// than that from a rounding midpoint the result is its rounding (the proof
// is in series_window.cc). avg (sum/n + c/n over the fold's uncompensated
// sum) and the variance have no such order-free form (docs/RULES.md says
// why). Elsewhere the window folds its in-memory samples: no read, no
// decoding, EvalWindow's operations in its order (window_fold.h folds
// several series' windows in one loop), therefore the same bits.
//
// A series' state is built on its first evaluation by a scan of (t - range,
// now], then fed by the write path (Feed) and moved forward by each
// evaluation: samples up to t join, samples at or before t - range leave.
// A write at an existing timestamp replaces that sample; a staleness marker
// removes it; a late sample inside the window joins it; one before the
// window is ignored (no later window holds it). An evaluation before the
// latest one, and a function the window was not asked for, are not served
// here (the caller evaluates afresh). Deleting samples drops the series'
// state; it is built again on the next evaluation. Nothing is persisted:
// after a restart the owners register again and the state is rebuilt.
//
// Thread safety: Feed and the evaluations share one mutex, held briefly;
// the scans that build series' state run outside it, and samples fed
// meanwhile are replayed over the scan's result.

#ifndef OVERTONE_ENGINE_STANDING_WINDOWS_H_
#define OVERTONE_ENGINE_STANDING_WINDOWS_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/exact_sum.h"
#include "engine/matcher_set.h"
#include "engine/quantile_sketch.h"
#include "overtone/database.h"
#include "overtone/over_time.h"

namespace overtone::engine {

// A series window's samples, contiguous so that a fold reads them in place:
// a vector whose front is dropped lazily (amortized O(1) per sample).
class SampleQueue {
 public:
  SampleQueue() = default;
  explicit SampleQueue(std::vector<Sample> ascending) : v_(std::move(ascending)) {}
  size_t size() const { return v_.size() - head_; }
  bool empty() const { return size() == 0; }
  const Sample& operator[](size_t i) const { return v_[head_ + i]; }
  Sample& operator[](size_t i) { return v_[head_ + i]; }
  const Sample& front() const { return v_[head_]; }
  void pop_front();
  // The index of the first sample at or after ts.
  size_t LowerBound(int64_t ts) const;
  void Insert(size_t i, const Sample& s);
  void Erase(size_t i);
  std::span<const Sample> First(size_t n) const { return {v_.data() + head_, n}; }

 private:
  std::vector<Sample> v_;
  size_t head_ = 0;  // v_[0, head_) are gone
};

// One series' window: its samples and the aggregates over the part that has
// joined. Pure: no database, no lock; tested against EvalWindow.
class SeriesWindow {
 public:
  enum Needs : uint32_t { kSum = 1, kMin = 2, kMax = 4, kSorted = 8, kSketch = 16, kNonFinite = 32 };
  static uint32_t NeedsOf(OverTimeFn fn);

  // Starts the window at evaluation time t0: samples must be those with
  // ts > t0 - range, ascending, no staleness markers.
  SeriesWindow(uint32_t needs, int64_t range, int64_t t0, std::vector<Sample> samples);

  // A sample written (or overwritten) at s.ts; a staleness marker removes it.
  void Feed(const Sample& s);
  // Moves the window to (t - range, t]. REQUIRES: t >= at().
  void MoveTo(int64_t t);
  // fn over the window; nullopt when it is empty. REQUIRES: fn's needs held.
  std::optional<double> Result(OverTimeFn fn, double param) const;
  // Result without its fold: the answer, or (when `fold` is not empty) the
  // samples whose EvalWindow is the answer, for a caller that folds many
  // windows at once (window_fold.h).
  struct Answer {
    std::optional<double> value;
    std::span<const Sample> fold;
  };
  Answer Prepare(OverTimeFn fn, double param) const;
  int64_t at() const { return t_; }
  size_t held() const { return samples_.size(); }

 private:
  void Join(const Sample& s);
  void Leave(const Sample& s);
  void RebuildExtremes();
  // Whether the float sum of the window is exact (see above).
  bool SumIsExact() const;
  // The Kahan fold's sum when it is provably the correctly rounded sum
  // (see series_window.cc), else nullopt.
  std::optional<double> RoundedSum() const;
  // Whether every value of the window is the same finite number (-0 and +0
  // alike): then Welford's fold gives exactly 0.
  bool IsConstant() const;
  // The samples to fold for fn.
  Answer Fold() const { return Answer{std::nullopt, samples_.First(joined_)}; }

  uint32_t needs_;
  int64_t range_;
  int64_t t_;            // the window is (t_ - range_, t_]
  SampleQueue samples_;  // ts > t_ - range_, ascending; [0, joined_) are in the window
  size_t joined_ = 0;
  ExactSum sum_, abs_sum_;            // the window's sum and sum of |x|, exact
  std::map<int, uint32_t> grains_;    // LowestBitExponent of nonzero values -> count
  uint32_t nonfinite_ = 0;            // NaN and ±Inf values (kSum, kNonFinite)
  std::deque<Sample> min_q_, max_q_;  // non-NaN, earliest extreme first
  bool extremes_dirty_ = false;       // a sample joined or left mid-window
  std::vector<double> sorted_;        // QuantileOrderLess

  // quantile_sketch's, when asked for: most windows have none.
  std::unique_ptr<QuantileSketch> sketch_;
};

class StandingWindows {
 public:
  // False while no window is registered: the write path's one branch.
  bool watching() const { return watching_.load(std::memory_order_acquire); }

  uint64_t Add(const StandingWindowSpec& spec);
  void Remove(uint64_t handle);

  // Feeds committed samples; hold the returned object while feeding one
  // batch (it holds the lock).
  class Feeder {
   public:
    explicit Feeder(StandingWindows* w) : w_(w), lock_(w->mu_) {}
    void Add(SeriesId id, const Sample& s);

   private:
    StandingWindows* w_;
    std::lock_guard<std::mutex> lock_;
  };
  Feeder BeginFeed() { return Feeder(this); }

  // Drops the state of series `id` (its samples or itself were deleted).
  void Forget(SeriesId id);

  // Serves an instant `*_over_time` query from a standing window when one
  // matches (same matchers, range, and the function was asked for) and
  // q.start is not before its latest evaluation; nullopt otherwise.
  // `next_series_id`: the series index's next id, read before the call (a
  // window's series are those it selected, and the matching ones among
  // the series created since; see Window::selected).
  std::optional<Status> TryEvaluate(Database* db, SeriesId next_series_id,
                                    std::span<const LabelMatcher> matchers, const OverTimeQuery& q,
                                    const OverTimeCallback& fn);

  struct Stats {
    uint64_t windows = 0, series = 0, samples_held = 0, served = 0, built = 0;
  };
  Stats GetStats() const;

 private:
  struct Window;
  struct SeriesState {
    std::optional<SeriesWindow> window;  // empty while being built
    std::vector<Sample> fed_while_building;
  };
  struct Window {
    std::vector<LabelMatcher> matchers;
    int64_t range = 0;
    std::map<OverTimeFn, int> fns;  // registered functions, with how many registrations
    uint32_t needs = 0;
    std::unordered_map<SeriesId, SeriesState> series;
    std::mutex eval_mu;  // one evaluation of this window at a time
    // Guarded by eval_mu. The series the matchers select, ascending, kept
    // between evaluations rather than selected from the index each time:
    // selected again after a deletion (forgets_ moved) or when many series
    // were created since; else extended by the matching ones among the few
    // created since (ids from selected_next_id on: ids only grow).
    std::vector<engine::CompiledMatcher> compiled;
    std::vector<SeriesInfo> selected;
    bool selected_valid = false;
    uint64_t selected_forgets = 0;  // forgets_ when selected
    SeriesId selected_next_id = 0;  // the index's next id before selecting

    // Guarded by mu_. Bumped whenever a series' samples or state change
    // (a write fed, a state built, a series forgotten or dropped).
    uint64_t generation = 0;
    // Guarded by eval_mu. The last answer per function and parameter: rules
    // often ask the same call at the same time (a warning and a critical
    // alert over one window, a recording rule and an alert on it), which
    // is answered again unless something changed.
    struct Answered {
      int64_t t = 0;
      uint64_t generation = 0;
      size_t selected = 0;  // the size of `selected` then
      std::vector<std::pair<size_t, double>> points;
    };
    std::map<std::pair<OverTimeFn, uint64_t>, Answered> answered;
  };
  // The series of `w` (Window::selected) as of next_series_id.
  Status UpdateSelected(Database* db, Window* w, SeriesId next_series_id);
  // Appends to `out` the series with ids in [from, to) that match; false
  // when ids from `from` on are no longer kept in recent_ (select again).
  Result<bool> MatchNewSeries(Database* db, const std::vector<engine::CompiledMatcher>& compiled,
                              SeriesId from, SeriesId to, std::vector<SeriesInfo>* out);
  static std::string Key(std::span<const LabelMatcher> matchers, int64_t range);

  mutable std::mutex mu_;
  std::atomic<bool> watching_{false};
  std::map<std::string, std::shared_ptr<Window>> windows_;
  std::map<uint64_t, std::pair<std::string, OverTimeFn>> handles_;
  // Per series, the windows watching it (for Feed).
  std::unordered_map<SeriesId, std::vector<Window*>> watchers_;
  uint64_t next_handle_ = 1;
  uint64_t served_ = 0, built_ = 0;
  uint64_t forgets_ = 0;  // Forget calls: a cached selection may hold a deleted series

  // The series created lately, with their labels, read once for all the
  // windows that extend their selections with them: recent_[i] is id
  // recent_base_ + i, nullopt when there is no such series. Bounded: the
  // oldest are dropped, and a window that needs them selects again.
  std::mutex recent_mu_;
  SeriesId recent_base_ = 0;
  std::deque<std::optional<Labels>> recent_;
};

}  // namespace overtone::engine

#endif  // OVERTONE_ENGINE_STANDING_WINDOWS_H_
