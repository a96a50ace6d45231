// Classic histogram quantiles and fractions, step for step as Prometheus's
// BucketQuantile, BucketFraction, coalesceBuckets and
// ensureMonotonicAndIgnoreSmallDeltas.

#include "engine/classic_histogram.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace overtone {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kSmallDeltaTolerance = 1e-12;

// Prometheus's almost.Equal: both NaN, equal, or within a relative epsilon.
// (Bucket counts are never staleness markers: those end a series first.)
bool AlmostEqual(double a, double b, double epsilon) {
  if (std::isnan(a) && std::isnan(b)) return true;
  if (a == b) return true;
  double abs_sum = std::fabs(a) + std::fabs(b);
  double diff = std::fabs(a - b);
  if (a == 0 || b == 0 || abs_sum < std::numeric_limits<double>::min()) {
    return diff < epsilon * std::numeric_limits<double>::min();
  }
  return diff / std::min(abs_sum, std::numeric_limits<double>::max()) < epsilon;
}

// By bound; NaN bounds last (a strict weak order, and then no +Inf bucket
// at the end).
void SortBuckets(std::vector<HistogramBucket>* buckets) {
  std::sort(buckets->begin(), buckets->end(), [](const HistogramBucket& a, const HistogramBucket& b) {
    if (std::isnan(a.upper_bound) || std::isnan(b.upper_bound)) {
      return !std::isnan(a.upper_bound) && std::isnan(b.upper_bound);
    }
    return a.upper_bound < b.upper_bound;
  });
}

bool EndsWithInf(const std::vector<HistogramBucket>& buckets) {
  return std::isinf(buckets.back().upper_bound) && buckets.back().upper_bound > 0;
}

// Adds up the counts of buckets with the same bound. REQUIRES: sorted.
void CoalesceBuckets(std::vector<HistogramBucket>* buckets) {
  std::vector<HistogramBucket>& b = *buckets;
  size_t out = 0;
  for (size_t i = 1; i < b.size(); ++i) {
    if (b[i].upper_bound == b[out].upper_bound) {
      b[out].count += b[i].count;
    } else {
      b[++out] = b[i];
    }
  }
  b.resize(out + 1);
}

void EnsureMonotonic(std::vector<HistogramBucket>* buckets) {
  std::vector<HistogramBucket>& b = *buckets;
  double prev = b[0].count;
  for (size_t i = 1; i < b.size(); ++i) {
    double curr = b[i].count;
    if (curr == prev) continue;
    // A negligible difference either way, or a decrease: take the previous
    // count, and keep comparing with it.
    if (AlmostEqual(prev, curr, kSmallDeltaTolerance) || curr < prev) {
      b[i].count = prev;
      continue;
    }
    prev = curr;
  }
}

}  // namespace

double BucketQuantile(double q, std::vector<HistogramBucket> buckets) {
  if (std::isnan(q)) return kNaN;
  if (q < 0) return -kInf;
  if (q > 1) return kInf;
  SortBuckets(&buckets);
  if (!EndsWithInf(buckets)) return kNaN;
  CoalesceBuckets(&buckets);
  EnsureMonotonic(&buckets);
  if (buckets.size() < 2) return kNaN;
  double observations = buckets.back().count;
  if (observations == 0) return kNaN;
  double rank = q * observations;
  // Go's sort.Search over all but the +Inf bucket: the first with count >=
  // rank, by bisection (as Go: a NaN count makes the predicate non-monotone).
  size_t b = 0, hi = buckets.size() - 1;
  while (b < hi) {
    size_t h = b + (hi - b) / 2;
    if (!(buckets[h].count >= rank)) {
      b = h + 1;
    } else {
      hi = h;
    }
  }
  if (b == buckets.size() - 1) return buckets[buckets.size() - 2].upper_bound;
  if (b == 0 && buckets[0].upper_bound <= 0) return buckets[0].upper_bound;
  double bucket_start = 0, bucket_end = buckets[b].upper_bound, count = buckets[b].count;
  if (b > 0) {
    bucket_start = buckets[b - 1].upper_bound;
    count -= buckets[b - 1].count;
    rank -= buckets[b - 1].count;
  }
  return bucket_start + (bucket_end - bucket_start) * (rank / count);
}

double BucketFraction(double lower, double upper, std::vector<HistogramBucket> buckets) {
  SortBuckets(&buckets);
  if (!EndsWithInf(buckets)) return kNaN;
  CoalesceBuckets(&buckets);
  double count = buckets.back().count;
  if (count == 0 || std::isnan(lower) || std::isnan(upper)) return kNaN;
  if (lower >= upper) return 0;
  double rank = 0, lower_rank = 0, upper_rank = 0;
  bool lower_set = false, upper_set = false;
  double lower_bound = buckets[0].upper_bound <= 0 ? -kInf : 0.0;
  for (size_t i = 0; i < buckets.size(); ++i) {
    const HistogramBucket& b = buckets[i];
    if (i > 0) lower_bound = buckets[i - 1].upper_bound;
    double upper_bound = b.upper_bound;
    // Inside an infinitely wide bucket nothing is interpolated: the +Inf
    // bucket's formula gives the rank before it, the -Inf one's its count.
    auto interpolate = [&](double v) {
      if (lower_bound == -kInf) return b.count;
      return rank + (b.count - rank) * (v - lower_bound) / (upper_bound - lower_bound);
    };
    if (!lower_set && lower_bound >= lower) {
      lower_rank = rank;
      lower_set = true;
    }
    if (!upper_set && lower_bound >= upper) {
      upper_rank = rank;
      upper_set = true;
    }
    if (lower_set && upper_set) break;
    if (!lower_set && lower_bound < lower && upper_bound > lower) {
      lower_rank = interpolate(lower);
      lower_set = true;
    }
    if (!upper_set && lower_bound < upper && upper_bound > upper) {
      upper_rank = interpolate(upper);
      upper_set = true;
    }
    if (lower_set && upper_set) break;
    rank = b.count;
  }
  if (!lower_set || lower_rank > count) lower_rank = count;
  if (!upper_set || upper_rank > count) upper_rank = count;
  return (upper_rank - lower_rank) / count;
}

}  // namespace overtone
