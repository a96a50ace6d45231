#include "engine/quantile_sketch.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/sorted_quantile.h"

namespace overtone::engine {
namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
}  // namespace

QuantileSketch::QuantileSketch(double relative_error) : alpha_(relative_error) {
  double gamma = (1 + alpha_) / (1 - alpha_);
  log_gamma_ = std::log(gamma);
  // The bucket's value 2γ^k/(γ+1), as exp(k·ln γ - ln((γ+1)/2)) so that
  // γ^k cannot overflow on its own.
  log_midpoint_ = std::log((gamma + 1) / 2);
}

namespace {
bool KeyLess(const std::pair<int32_t, uint64_t>& b, int32_t key) { return b.first < key; }
}  // namespace

void QuantileSketch::Store::Add(int32_t key, uint64_t n) {
  auto it = std::lower_bound(buckets.begin(), buckets.end(), key, KeyLess);
  if (it == buckets.end() || it->first != key) it = buckets.insert(it, {key, 0});
  it->second += n;
  total += n;
}

void QuantileSketch::Store::Remove(int32_t key) {
  auto it = std::lower_bound(buckets.begin(), buckets.end(), key, KeyLess);
  if (it == buckets.end() || it->first != key) return;
  --total;
  // An emptied bucket goes: a window whose values drift keeps only the
  // buckets of the values it holds.
  if (--it->second == 0) buckets.erase(it);
}

int32_t QuantileSketch::KeyOf(double magnitude) const {
  // |x| of a double is below 2^1024, above 2^-1075: the key fits an int32
  // for any α >= kMinRelativeError (|key| < 745 / 2e-4).
  return static_cast<int32_t>(std::ceil(std::log(magnitude) / log_gamma_));
}

double QuantileSketch::ValueOf(int32_t key) const {
  double v = std::exp(static_cast<double>(key) * log_gamma_ - log_midpoint_);
  // Past the largest double the bucket's own bound is closer to every value in it.
  return std::min(v, std::numeric_limits<double>::max());
}

void QuantileSketch::Add(double v) {
  ++count_;
  if (std::isnan(v)) {
    ++nan_;
  } else if (v == kInf) {
    ++positive_inf_;
  } else if (v == -kInf) {
    ++negative_inf_;
  } else if (v == 0) {
    ++zero_;
  } else if (v > 0) {
    positive_.Add(KeyOf(v), 1);
  } else {
    negative_.Add(KeyOf(-v), 1);
  }
}

void QuantileSketch::Remove(double v) {
  auto take = [this](uint64_t* n) {
    if (*n == 0) return;
    --*n;
    --count_;
  };
  if (std::isnan(v)) {
    take(&nan_);
  } else if (v == kInf) {
    take(&positive_inf_);
  } else if (v == -kInf) {
    take(&negative_inf_);
  } else if (v == 0) {
    take(&zero_);
  } else {
    Store& s = v > 0 ? positive_ : negative_;
    uint64_t before = s.total;
    s.Remove(KeyOf(std::fabs(v)));
    count_ -= before - s.total;
  }
}

void QuantileSketch::Merge(const QuantileSketch& other) {
  for (const auto& [key, n] : other.positive_.buckets) positive_.Add(key, n);
  for (const auto& [key, n] : other.negative_.buckets) negative_.Add(key, n);
  nan_ += other.nan_;
  negative_inf_ += other.negative_inf_;
  zero_ += other.zero_;
  positive_inf_ += other.positive_inf_;
  count_ += other.count_;
}

namespace {
// The key of the bucket holding the value at 0-based `rank` of `buckets`
// (ascending keys, `total` values), walking from the nearer end: a tail
// quantile such as 0.99 visits a few buckets.
int32_t KeyAtRank(const std::vector<std::pair<int32_t, uint64_t>>& buckets, uint64_t total, uint64_t rank) {
  if (rank < total / 2) {
    for (const auto& [key, n] : buckets) {
      if (rank < n) return key;
      rank -= n;
    }
  } else {
    uint64_t from_top = total - 1 - rank;
    for (auto b = buckets.rbegin(); b != buckets.rend(); ++b) {
      if (from_top < b->second) return b->first;
      from_top -= b->second;
    }
  }
  return buckets.back().first;  // not reached while the counts add up to total
}
}  // namespace

double QuantileSketch::ValueAtRank(uint64_t rank) const {
  if (rank < nan_) return std::numeric_limits<double>::quiet_NaN();
  rank -= nan_;
  if (rank < negative_inf_) return -kInf;
  rank -= negative_inf_;
  // Negatives, most negative (the largest |x|) first.
  if (rank < negative_.total)
    return -ValueOf(KeyAtRank(negative_.buckets, negative_.total, negative_.total - 1 - rank));
  rank -= negative_.total;
  if (rank < zero_) return 0.0;
  rank -= zero_;
  if (rank < positive_.total) return ValueOf(KeyAtRank(positive_.buckets, positive_.total, rank));
  return kInf;
}

double QuantileSketch::Quantile(double q) const {
  // As QuantileOfSorted does, so that the ranks and weights are the same.
  return QuantileAtRanks(q, count_, [this](uint64_t rank) { return ValueAtRank(rank); });
}

}  // namespace overtone::engine
