// The quantile and the fraction of a classic (bucketed) histogram, as
// PromQL's histogram_quantile and histogram_fraction compute them
// (Prometheus's promql/quantile.go, BucketQuantile and BucketFraction): the
// buckets of one histogram at one time, each an upper bound (the `le`
// label) and a cumulative count.
//
// BucketQuantile:
//   q NaN -> NaN, q < 0 -> -Inf, q > 1 -> +Inf (before looking at buckets)
//   no +Inf bucket, fewer than two buckets, or a zero total -> NaN
//   buckets with the same bound are added up; a count below the one before
//   it is raised to it (cumulative counts cannot fall: a scrape that caught
//   the buckets mid-update), and counts that differ from the one before by
//   a relative 1e-12 or less are taken as equal (3.x's smallDeltaTolerance);
//   the rank q * total is found by linear interpolation inside its bucket,
//   the lowest bucket starting at 0 (or being the answer when its bound is
//   <= 0); a rank in the +Inf bucket answers the highest finite bound.
//
// BucketFraction: the share of observations between lower and upper,
// interpolating linearly inside the buckets the two fall in (the lowest
// bucket starting at 0 when its bound is positive, else at -Inf, where
// nothing is interpolated); no +Inf bucket, a zero total or a NaN limit ->
// NaN; lower >= upper -> 0. Counts are taken as they are (no monotonicity
// fix, as in Prometheus).
//
// A NaN bound (le="NaN") sorts after +Inf here, which makes the answer NaN;
// Prometheus sorts it wherever its sort happens to leave it.

#ifndef OVERTONE_ENGINE_CLASSIC_HISTOGRAM_H_
#define OVERTONE_ENGINE_CLASSIC_HISTOGRAM_H_

#include <vector>

namespace overtone {

struct HistogramBucket {
  double upper_bound;
  double count;  // cumulative: observations <= upper_bound
};

// REQUIRES: !buckets.empty().
double BucketQuantile(double q, std::vector<HistogramBucket> buckets);
// REQUIRES: !buckets.empty().
double BucketFraction(double lower, double upper, std::vector<HistogramBucket> buckets);

}  // namespace overtone

#endif  // OVERTONE_ENGINE_CLASSIC_HISTOGRAM_H_
