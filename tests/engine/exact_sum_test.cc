// ExactSum against Shewchuk's exact partials (Python's math.fsum), and the
// property the standing windows rely on: the value depends only on the
// multiset of doubles held, not on the order of additions and removals.

#include "engine/exact_sum.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace overtone::engine {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Python's math.fsum (Shewchuk's partials, correctly rounded), finite input
// whose partial sums do not overflow.
double FSum(const std::vector<double>& xs) {
  std::vector<double> p;
  for (double x : xs) {
    size_t i = 0;
    for (double y : p) {
      if (std::fabs(x) < std::fabs(y)) std::swap(x, y);
      double hi = x + y, lo = y - (hi - x);
      if (lo != 0) p[i++] = lo;
      x = hi;
    }
    p.resize(i);
    p.push_back(x);
  }
  if (p.empty()) return 0;
  size_t n = p.size();
  double hi = p[--n], lo = 0;
  while (n > 0) {
    double x = hi, y = p[--n];
    hi = x + y;
    lo = y - (hi - x);
    if (lo != 0) break;
  }
  // Round half to even across partials, as fsum does.
  if (n > 0 && ((lo < 0 && p[n - 1] < 0) || (lo > 0 && p[n - 1] > 0))) {
    double y = lo * 2, x = hi + y;
    if (y == x - hi) hi = x;
  }
  return hi;
}

bool SameBits(double a, double b) { return std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b); }

double RandomDouble(std::mt19937_64& rng) {
  std::uniform_int_distribution<int> kind(0, 5), exp(-1074, 1000);
  std::uniform_real_distribution<double> unit(-1, 1);
  switch (kind(rng)) {
    case 0: return std::ldexp(unit(rng), exp(rng));  // anywhere, subnormals included
    case 1: return std::round(unit(rng) * 1000);     // small integers: cancellation
    case 2: return unit(rng) * 1e16;                 // where doubles are near integers
    case 3: return std::ldexp(unit(rng), 1020);      // near overflow
    case 4: return unit(rng);
    default: return std::bit_cast<double>(rng());  // any bits (NaN and Inf filtered below)
  }
}

TEST(ExactSumTest, Golden) {
  ExactSum s;
  EXPECT_TRUE(SameBits(s.Value(), 0.0));
  for (double x : {0.1, 0.2, 0.3}) s.Add(x);
  EXPECT_EQ(s.Value(),
            0.6);  // the exact sum of these doubles rounds to 0.6; a float sum gives 0.6000000000000001
  ExactSum c;
  for (double x : {1e100, 1.0, -1e100}) c.Add(x);
  EXPECT_EQ(c.Value(), 1.0);
  ExactSum t;
  t.Add(std::numeric_limits<double>::denorm_min());
  EXPECT_EQ(t.Value(), std::numeric_limits<double>::denorm_min());
  t.Add(-std::numeric_limits<double>::denorm_min());
  EXPECT_TRUE(SameBits(t.Value(), 0.0));
  ExactSum big;
  big.Add(std::numeric_limits<double>::max());
  big.Add(std::numeric_limits<double>::max());
  EXPECT_EQ(big.Value(), kInf);
  EXPECT_EQ(big.ScaledValue(-1), std::numeric_limits<double>::max());
  big.Remove(std::numeric_limits<double>::max());
  EXPECT_EQ(big.Value(), std::numeric_limits<double>::max());
  // Ties round to even: 2^53 + 1 is halfway between 2^53 and 2^53 + 2.
  ExactSum tie;
  tie.Add(std::ldexp(1.0, 53));
  tie.Add(1.0);
  EXPECT_EQ(tie.Value(), std::ldexp(1.0, 53));
  tie.Add(std::ldexp(1.0, -60));  // just above the tie
  EXPECT_EQ(tie.Value(), std::ldexp(1.0, 53) + 2);
}

TEST(ExactSumTest, NonFinite) {
  ExactSum s;
  s.Add(1);
  s.Add(kInf);
  EXPECT_EQ(s.Value(), kInf);
  s.Add(-kInf);
  EXPECT_TRUE(std::isnan(s.Value()));
  s.Remove(kInf);
  EXPECT_EQ(s.Value(), -kInf);
  s.Remove(-kInf);
  s.Add(std::numeric_limits<double>::quiet_NaN());
  EXPECT_TRUE(std::isnan(s.Value()));
  s.Remove(std::numeric_limits<double>::quiet_NaN());
  EXPECT_EQ(s.Value(), 1.0);
}

TEST(ExactSumTest, MatchesFSumAndIgnoresOrder) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 2000; ++round) {
    std::vector<double> xs;
    size_t n = std::uniform_int_distribution<size_t>(1, 60)(rng);
    bool huge = false;
    while (xs.size() < n) {
      double x = RandomDouble(rng);
      if (!std::isfinite(x)) continue;
      huge |= std::fabs(x) > 1e300;
      xs.push_back(x);
    }
    ExactSum a;
    for (double x : xs) a.Add(x);
    if (!huge) {
      EXPECT_TRUE(SameBits(a.Value(), FSum(xs)) || (a.Value() == 0 && FSum(xs) == 0)) << round;
    }
    // Another order, with extra values added and removed again.
    ExactSum b;
    std::vector<double> extra;
    for (int i = 0; i < 10; ++i) extra.push_back(RandomDouble(rng));
    for (double x : extra) b.Add(x);
    std::vector<double> shuffled = xs;
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    for (double x : shuffled) b.Add(x);
    for (double x : extra) b.Remove(x);
    EXPECT_TRUE(SameBits(a.Value(), b.Value())) << round;
  }
}

TEST(ExactSumTest, LowestBitExponent) {
  EXPECT_EQ(LowestBitExponent(1.0), 0);
  EXPECT_EQ(LowestBitExponent(12.0), 2);
  EXPECT_EQ(LowestBitExponent(-0.75), -2);
  EXPECT_EQ(LowestBitExponent(std::numeric_limits<double>::denorm_min()), -1074);
  EXPECT_EQ(LowestBitExponent(std::ldexp(1.0, 1000)), 1000);
  EXPECT_EQ(LowestBitExponent(0.1),
            -55);  // 0.1 = 0x1.999999999999ap-4: odd mantissa, 52 bits below the point
}

}  // namespace
}  // namespace overtone::engine
