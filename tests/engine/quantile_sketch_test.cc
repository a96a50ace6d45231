// QuantileSketch: within its stated relative error of the exact quantile on
// random data of several shapes; merging, removing and reordering give the
// same sketch; NaN, ±Inf, zeros and extreme magnitudes where the exact
// order puts them.

#include "engine/quantile_sketch.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "engine/sorted_quantile.h"

namespace overtone::engine {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kQs[] = {0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1};

QuantileSketch SketchOf(double alpha, const std::vector<double>& values) {
  QuantileSketch s(alpha);
  for (double v : values) s.Add(v);
  return s;
}

// Checks the header's bound: each order statistic within α·|x|, so the
// interpolation within α·((1-w)|lo| + w|hi|).
void ExpectWithinBound(const QuantileSketch& s, std::vector<double> values, double q) {
  std::sort(values.begin(), values.end(), QuantileOrderLess);
  double exact = QuantileOfSorted(q, values);
  double got = s.Quantile(q);
  if (!std::isfinite(exact)) {
    if (std::isnan(exact)) {
      EXPECT_TRUE(std::isnan(got)) << "q=" << q;
    } else {
      EXPECT_EQ(got, exact) << "q=" << q;
    }
    return;
  }
  double n = static_cast<double>(values.size());
  double rank = q * (n - 1);
  size_t lo = static_cast<size_t>(std::floor(rank));
  size_t hi = std::min(values.size() - 1, lo + 1);
  double w = rank - std::floor(rank);
  double bound = s.relative_error() * ((1 - w) * std::fabs(values[lo]) + w * std::fabs(values[hi]));
  EXPECT_LE(std::fabs(got - exact), bound * (1 + 1e-9) + 1e-300)
      << "q=" << q << " exact=" << exact << " got=" << got << " alpha=" << s.relative_error();
}

enum Shape { kUniform, kLogNormal, kNormal, kExponential, kPareto, kMixed, kNumShapes };

std::vector<double> Draw(Shape shape, size_t n, std::mt19937_64* rng) {
  std::vector<double> out(n);
  std::uniform_real_distribution<double> uniform(0, 1000);
  std::lognormal_distribution<double> lognormal(0, 3);
  std::normal_distribution<double> normal(0, 50);  // half of it negative
  std::exponential_distribution<double> exponential(0.01);
  std::uniform_int_distribution<int> pick(0, 99);
  for (double& v : out) {
    switch (shape) {
      case kUniform: v = uniform(*rng); break;
      case kLogNormal: v = lognormal(*rng); break;
      case kNormal: v = normal(*rng); break;
      case kExponential: v = exponential(*rng); break;
      case kPareto: v = 1e-3 / std::pow(1 - uniform(*rng) / 1000.0001, 1.5); break;
      default: {  // latencies with zeros, negatives, ±Inf and NaNs among them
        int p = pick(*rng);
        v = p < 5    ? 0.0
            : p < 7  ? kNaN
            : p < 8  ? kInf
            : p < 9  ? -kInf
            : p < 20 ? -lognormal(*rng)
                     : lognormal(*rng);
      }
    }
  }
  return out;
}

TEST(QuantileSketchTest, WithinStatedErrorOfTheExactQuantile) {
  std::mt19937_64 rng(14);
  for (double alpha : {0.0001, 0.001, 0.01, 0.05, 0.5}) {
    for (int shape = 0; shape < kNumShapes; ++shape) {
      for (size_t n : {1, 2, 3, 10, 1000, 20000}) {
        auto values = Draw(static_cast<Shape>(shape), n, &rng);
        QuantileSketch s = SketchOf(alpha, values);
        EXPECT_EQ(s.count(), n);
        for (double q : kQs) ExpectWithinBound(s, values, q);
        std::uniform_real_distribution<double> any_q(0, 1);
        for (int i = 0; i < 20; ++i) ExpectWithinBound(s, values, any_q(rng));
      }
    }
  }
}

TEST(QuantileSketchTest, OneValueComesBackWithinItsBucket) {
  for (double alpha : {QuantileSketch::kMinRelativeError, 0.01, QuantileSketch::kMaxRelativeError}) {
    for (double v : {std::numeric_limits<double>::max(), -std::numeric_limits<double>::max(),
                     std::numeric_limits<double>::denorm_min(), std::numeric_limits<double>::min(), 1.0, -1.0,
                     0.1, 1e300, -3e-310}) {
      QuantileSketch s(alpha);
      s.Add(v);
      double got = s.Quantile(0.5);
      EXPECT_TRUE(std::isfinite(got)) << v;
      EXPECT_EQ(std::signbit(got), std::signbit(v));
      EXPECT_LE(std::fabs(got - v), alpha * std::fabs(v) * (1 + 1e-9)) << v << " alpha " << alpha;
    }
  }
  // Far-apart values cost a bucket each, whatever the span between them.
  QuantileSketch wide(QuantileSketch::kMinRelativeError);
  wide.Add(std::numeric_limits<double>::denorm_min());
  wide.Add(std::numeric_limits<double>::max());
  wide.Add(std::numeric_limits<double>::max());
  wide.Add(-1);
  EXPECT_EQ(wide.buckets(), 3u);
  EXPECT_EQ(wide.count(), 4u);
}

TEST(QuantileSketchTest, SpecialValuesInTheExactOrder) {
  QuantileSketch s(0.01);
  EXPECT_TRUE(std::isnan(s.Quantile(0.5)));  // empty
  for (double v : {kNaN, -kInf, -2.0, 0.0, -0.0, 3.0, kInf}) s.Add(v);
  // NaN, -Inf, -2, 0, 0, 3, +Inf: rank q*6.
  EXPECT_TRUE(std::isnan(s.Quantile(0)));
  EXPECT_EQ(s.Quantile(1.0 / 6), -kInf);
  EXPECT_NEAR(s.Quantile(2.0 / 6), -2, 0.02);
  EXPECT_EQ(s.Quantile(0.5), 0.0);
  EXPECT_FALSE(std::signbit(s.Quantile(0.5)));
  // Next to +Inf the interpolation multiplies it by 0: NaN, as the exact quantile gives.
  EXPECT_TRUE(std::isnan(s.Quantile(1)));
  for (int i = 0; i <= 60; ++i) ExpectWithinBound(s, {kNaN, -kInf, -2.0, 0.0, -0.0, 3.0, kInf}, i / 60.0);
  EXPECT_NEAR(s.Quantile(4.5 / 6), 1.5, 0.015);  // halfway between 0 and 3
  EXPECT_EQ(s.Quantile(-0.1), -kInf);
  EXPECT_EQ(s.Quantile(1.1), kInf);
  EXPECT_TRUE(std::isnan(s.Quantile(kNaN)));
  // As Prometheus: -Inf*(1-w) + x*w stays -Inf, and Inf*0 is NaN.
  EXPECT_EQ(s.Quantile(1.5 / 6), -kInf);
}

// The answers of two sketches for every q, bit for bit.
void ExpectSameSketch(const QuantileSketch& a, const QuantileSketch& b) {
  ASSERT_EQ(a.count(), b.count());
  for (int i = 0; i <= 200; ++i) {
    double q = i / 200.0;
    EXPECT_EQ(std::bit_cast<uint64_t>(a.Quantile(q)), std::bit_cast<uint64_t>(b.Quantile(q))) << q;
  }
}

TEST(QuantileSketchTest, MergeIsTheSketchOfTheUnion) {
  std::mt19937_64 rng(7);
  for (int shape = 0; shape < kNumShapes; ++shape) {
    auto a = Draw(static_cast<Shape>(shape), 3000, &rng);
    auto b = Draw(static_cast<Shape>((shape + 1) % kNumShapes), 500, &rng);
    auto c = Draw(kLogNormal, 100, &rng);
    QuantileSketch merged = SketchOf(0.02, a);
    merged.Merge(SketchOf(0.02, b));
    merged.Merge(SketchOf(0.02, c));
    std::vector<double> all = a;
    all.insert(all.end(), b.begin(), b.end());
    all.insert(all.end(), c.begin(), c.end());
    ExpectSameSketch(merged, SketchOf(0.02, all));
    // Merging is associative and commutative: (c + b) + a.
    QuantileSketch other = SketchOf(0.02, c);
    other.Merge(SketchOf(0.02, b));
    other.Merge(SketchOf(0.02, a));
    ExpectSameSketch(merged, other);
    for (double q : kQs) ExpectWithinBound(merged, all, q);
    QuantileSketch empty(0.02);
    empty.Merge(merged);
    ExpectSameSketch(empty, merged);
  }
}

TEST(QuantileSketchTest, RemoveAndOrderLeaveTheSketchOfWhatIsHeld) {
  std::mt19937_64 rng(3);
  for (int shape = 0; shape < kNumShapes; ++shape) {
    auto values = Draw(static_cast<Shape>(shape), 4000, &rng);
    // A sliding window of 500 values over the stream.
    QuantileSketch window(0.01);
    for (size_t i = 0; i < values.size(); ++i) {
      window.Add(values[i]);
      if (i >= 500) window.Remove(values[i - 500]);
      if (i % 397 == 0 || i + 1 == values.size()) {
        size_t first = i >= 500 ? i - 499 : 0;
        std::vector<double> held(values.begin() + static_cast<std::ptrdiff_t>(first),
                                 values.begin() + static_cast<std::ptrdiff_t>(i) + 1);
        std::shuffle(held.begin(), held.end(), rng);
        ExpectSameSketch(window, SketchOf(0.01, held));
        for (double q : kQs) ExpectWithinBound(window, held, q);
      }
    }
    // Everything removed: empty again, and ready for values elsewhere.
    for (size_t i = values.size() - 500; i < values.size(); ++i) window.Remove(values[i]);
    EXPECT_EQ(window.count(), 0u);
    EXPECT_EQ(window.buckets(), 0u);
    EXPECT_TRUE(std::isnan(window.Quantile(0.5)));
    window.Add(1e9);
    EXPECT_NEAR(window.Quantile(0.5), 1e9, 1e7);
  }
}

}  // namespace
}  // namespace overtone::engine
