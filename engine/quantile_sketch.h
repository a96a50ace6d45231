// QuantileSketch: a mergeable quantile sketch with a relative-error bound
// (DDSketch, Masson et al., VLDB 2019), for quantile_sketch_over_time.
//
// A finite nonzero value x falls in bucket k = ceil(log_γ |x|) of the store
// of its sign, γ = (1 + α) / (1 - α); the bucket stands for the value
// 2γ^k / (γ + 1), which is within α·|x| of every x in (γ^(k-1), γ^k]. Zeros,
// NaNs, +Inf and -Inf are counted apart and given back exactly (a zero as
// +0, a NaN as the standard quiet NaN).
//
// The order is the exact quantile's (sorted_quantile.h): NaNs first, then
// -Inf, the negatives, zeros, the positives, +Inf. Quantile(q) is
// Prometheus's quantile_over_time over that order: rank q·(n-1), linear
// interpolation between the order statistics at floor and ceil of the
// rank, q < 0 gives -Inf, q > 1 +Inf, NaN q NaN. Its error bound: each of
// the two order statistics is within α·|x| of the exact one (and equal to
// it when that is 0, ±Inf or NaN), so the answer is within α·|answer| when
// both have the same sign, and within α·max(|lo|, |hi|) otherwise.
//
// Counts are exact, so Add, Remove and Merge commute: the sketch of a
// multiset is the same whatever order its values came in, and a sliding
// window that removes the values leaving it holds the sketch of exactly
// the values inside it (no window-edge effect). Memory is one (key, count)
// pair per bucket that holds values: no more than the values held, nor than
// ln(max|x| / min|x|) / (2α) + 1 per sign (about 350 buckets for α = 1%
// over a factor of 1000).
//
// Not serialized: the sketches live in memory beside the samples they
// summarize. Pure: no I/O, no lock.

#ifndef OVERTONE_ENGINE_QUANTILE_SKETCH_H_
#define OVERTONE_ENGINE_QUANTILE_SKETCH_H_

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace overtone::engine {

class QuantileSketch {
 public:
  static constexpr double kMinRelativeError = 1e-4;
  static constexpr double kMaxRelativeError = 0.5;

  // REQUIRES: kMinRelativeError <= relative_error <= kMaxRelativeError
  explicit QuantileSketch(double relative_error);

  void Add(double v);
  // REQUIRES: v was added (a value in the same bucket will do) and not removed since.
  void Remove(double v);
  // Adds other's counts. REQUIRES: other.relative_error() == relative_error()
  void Merge(const QuantileSketch& other);

  // Prometheus's quantile of the values (see above); NaN when empty.
  double Quantile(double q) const;

  uint64_t count() const { return count_; }
  double relative_error() const { return alpha_; }
  // Counters held, for memory accounting.
  size_t buckets() const { return positive_.buckets.size() + negative_.buckets.size(); }

 private:
  // The buckets that hold values, by ascending key: sparse, so that a few
  // far-apart values cost a few pairs whatever the span.
  struct Store {
    std::vector<std::pair<int32_t, uint64_t>> buckets;
    uint64_t total = 0;
    void Add(int32_t key, uint64_t n);
    void Remove(int32_t key);
  };
  int32_t KeyOf(double magnitude) const;
  double ValueOf(int32_t key) const;
  // The value at 0-based `rank` in the order above. REQUIRES: rank < count_
  double ValueAtRank(uint64_t rank) const;

  double alpha_, log_gamma_, log_midpoint_;
  Store positive_, negative_;  // negative_ by |x|
  uint64_t nan_ = 0, negative_inf_ = 0, zero_ = 0, positive_inf_ = 0, count_ = 0;
};

}  // namespace overtone::engine

#endif  // OVERTONE_ENGINE_QUANTILE_SKETCH_H_
