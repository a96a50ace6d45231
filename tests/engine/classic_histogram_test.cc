// BucketQuantile and BucketFraction: every edge case Prometheus's
// promql/quantile.go defines for classic histograms.

#include "engine/classic_histogram.h"

#include <gtest/gtest.h>

#include <cmath>

#include "engine/range_functions.h"

namespace overtone {
namespace {

using B = std::vector<HistogramBucket>;

// 10 observations <= 0.1, 30 <= 0.5, 40 <= 1, 50 in all.
const B kBuckets = {{0.1, 10}, {0.5, 30}, {1, 40}, {INFINITY, 50}};

TEST(ClassicHistogramTest, InterpolatesLinearlyWithinTheBucket) {
  EXPECT_DOUBLE_EQ(BucketQuantile(0.5, kBuckets), 0.1 + 0.4 * (15.0 / 20));  // rank 25 in (0.1, 0.5]
  EXPECT_DOUBLE_EQ(BucketQuantile(0.7, kBuckets), 0.5 + 0.5 * (5.0 / 10));   // rank 35 in (0.5, 1]
}

TEST(ClassicHistogramTest, TheLowestBucketStartsAtZero) {
  EXPECT_DOUBLE_EQ(BucketQuantile(0.1, kBuckets), 0.05);  // rank 5 in (0, 0.1]
  EXPECT_DOUBLE_EQ(BucketQuantile(0, kBuckets), 0);
}

TEST(ClassicHistogramTest, ALowestBoundAtOrBelowZeroIsTheAnswer) {
  EXPECT_EQ(BucketQuantile(0.25, B{{-1, 5}, {0, 10}, {INFINITY, 10}}), -1);
  EXPECT_EQ(BucketQuantile(0.1, B{{0, 5}, {1, 10}, {INFINITY, 10}}), 0);
}

TEST(ClassicHistogramTest, ARankInTheInfBucketIsTheHighestFiniteBound) {
  EXPECT_EQ(BucketQuantile(0.9, kBuckets), 1);
  EXPECT_EQ(BucketQuantile(1, kBuckets), 1);
}

TEST(ClassicHistogramTest, QuantileOutsideZeroOneOrNaN) {
  EXPECT_EQ(BucketQuantile(-0.1, kBuckets), -INFINITY);
  EXPECT_EQ(BucketQuantile(1.01, kBuckets), INFINITY);
  EXPECT_TRUE(std::isnan(BucketQuantile(NAN, kBuckets)));
  // Decided before the buckets are looked at: even without a +Inf bucket.
  EXPECT_EQ(BucketQuantile(2, B{{1, 1}}), INFINITY);
}

TEST(ClassicHistogramTest, NaNWithoutInfBucketOrTwoBucketsOrObservations) {
  EXPECT_TRUE(std::isnan(BucketQuantile(0.5, B{{0.1, 10}, {0.5, 30}, {1, 40}})));
  EXPECT_TRUE(std::isnan(BucketQuantile(0.5, B{{INFINITY, 10}})));
  EXPECT_TRUE(std::isnan(BucketQuantile(0.5, B{{1, 0}, {INFINITY, 0}})));
  // Two series with the bound +Inf are one bucket.
  EXPECT_TRUE(std::isnan(BucketQuantile(0.5, B{{INFINITY, 4}, {INFINITY, 6}})));
}

TEST(ClassicHistogramTest, UnsortedInputAndEqualBoundsAddedUp) {
  B unsorted = {{INFINITY, 50}, {1, 40}, {0.1, 10}, {0.5, 30}};
  EXPECT_DOUBLE_EQ(BucketQuantile(0.5, unsorted), BucketQuantile(0.5, kBuckets));
  // le="1" and le="1.0" are the same bound: 2 + 2 observations <= 1.
  EXPECT_DOUBLE_EQ(BucketQuantile(0.5, B{{1, 2}, {1, 2}, {2, 8}, {INFINITY, 8}}), 1);
}

TEST(ClassicHistogramTest, FallingCountsAreRaisedToTheOneBefore) {
  // Without the fix the 5 would make rank 15 land at 2 + 10/15.
  EXPECT_DOUBLE_EQ(BucketQuantile(0.75, B{{1, 10}, {2, 5}, {3, 20}, {INFINITY, 20}}), 2.5);
  // A fall in the +Inf bucket: the total is the highest count seen.
  EXPECT_DOUBLE_EQ(BucketQuantile(0.5, B{{1, 10}, {2, 20}, {INFINITY, 15}}), 1);
}

TEST(ClassicHistogramTest, NegligibleDifferencesAreEqualCounts) {
  // 1e-13 relative: the same count (Prometheus 3.x; 2.42 would answer 2
  // for q = 1, the top of the sliver above 100).
  double c = 100;
  B b = {{1, c}, {2, c * (1 + 1e-13)}, {INFINITY, c * (1 + 1e-13)}};
  EXPECT_DOUBLE_EQ(BucketQuantile(1, b), 1);
  EXPECT_DOUBLE_EQ(BucketQuantile(0.5, b), 0.5);
}

TEST(ClassicHistogramTest, ANaNBoundMakesItNaN) {
  EXPECT_TRUE(std::isnan(BucketQuantile(0.5, B{{1, 1}, {NAN, 2}, {INFINITY, 3}})));
}

TEST(ClassicHistogramTest, FractionInterpolatesBetweenBounds) {
  EXPECT_DOUBLE_EQ(BucketFraction(0, 0.5, kBuckets), 30.0 / 50);
  EXPECT_DOUBLE_EQ(BucketFraction(0.05, 0.3, kBuckets), (20.0 - 5.0) / 50);  // 5 at 0.05, 20 at 0.3
  EXPECT_DOUBLE_EQ(BucketFraction(-INFINITY, INFINITY, kBuckets), 1);
  EXPECT_DOUBLE_EQ(BucketFraction(1, INFINITY, kBuckets), 10.0 / 50);
  EXPECT_EQ(BucketFraction(0.5, 0.5, kBuckets), 0);
  EXPECT_EQ(BucketFraction(0.6, 0.5, kBuckets), 0);
  EXPECT_TRUE(std::isnan(BucketFraction(NAN, 1, kBuckets)));
  EXPECT_TRUE(std::isnan(BucketFraction(0, 1, B{{1, 0}, {INFINITY, 0}})));
  EXPECT_TRUE(std::isnan(BucketFraction(0, 1, B{{1, 3}, {2, 4}})));
}

TEST(DoubleExponentialSmoothingTest, SmoothsLevelAndTrend) {
  std::vector<Sample> w = {{0, 1}, {10000, 3}, {20000, 2}};
  // s=1, b=2; then s=0.5*3 + 0.5*(1+2) = 3; b=0.5*(3-1) + 0.5*2 = 2, s=0.5*2 + 0.5*(3+2) = 3.5.
  EXPECT_EQ(EvalRangeWindow(RangeFn::kDoubleExponentialSmoothing, w, 20000, 0, 60000, 0.5, 0.5), 3.5);
  // A straight line is followed exactly, whatever the factors.
  std::vector<Sample> line = {{0, 0}, {10000, 10}, {20000, 20}, {30000, 30}};
  EXPECT_NEAR(*EvalRangeWindow(RangeFn::kDoubleExponentialSmoothing, line, 30000, 0, 60000, 0.01, 0.1), 30,
              1e-9);
  EXPECT_FALSE(EvalRangeWindow(RangeFn::kDoubleExponentialSmoothing, {w.data(), 1}, 0, 0, 60000, 0.5, 0.5));
  EXPECT_EQ(*ParseRangeFn("holt_winters"), RangeFn::kDoubleExponentialSmoothing);
}

TEST(DoubleExponentialSmoothingTest, FactorsMustLieStrictlyBetweenZeroAndOne) {
  auto fn = RangeFn::kDoubleExponentialSmoothing;
  EXPECT_TRUE(CheckRangeFnParams(fn, 0.5, 0.5).ok());
  EXPECT_TRUE(CheckRangeFnParams(fn, NAN, 0.5).ok());  // as Prometheus: NaN passes, the answer is NaN
  EXPECT_EQ(CheckRangeFnParams(fn, 1, 0.5).message(),
            "invalid smoothing factor. Expected: 0 < sf < 1, got: 1.000000");
  EXPECT_EQ(CheckRangeFnParams(fn, 0.5, 0).message(),
            "invalid trend factor. Expected: 0 < tf < 1, got: 0.000000");
  EXPECT_EQ(CheckRangeFnParams(fn, INFINITY, 0.5).message(),
            "invalid smoothing factor. Expected: 0 < sf < 1, got: +Inf");
  EXPECT_TRUE(CheckRangeFnParams(RangeFn::kRate, 7, 7).ok());
}

}  // namespace
}  // namespace overtone
