// ParseGoFloat accepts and refuses what Go's strconv.ParseFloat(s, 64) does:
// the `le` spellings Prometheus reads (histogram_quantile) and the ones it
// skips. FormatGoFloatFixed writes what strconv.FormatFloat(v, 'f', -1, 64)
// does: sample values as Prometheus's API spells them.

#include "base/go_float.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <system_error>

#include "overtone/types.h"

namespace overtone {
namespace {

std::string Fixed(double v) {
  char buf[kMaxGoFixedChars];
  return std::string(buf, FormatGoFloatFixed(v, buf));
}

// Go's strconv.FormatFloat(v, 'f', -1, 64), found another way: below 2^53
// what std::to_chars writes in fixed notation with no precision given; from
// 2^53 on (integers only) the fewest significant digits that read back, then
// zeros. Of P digits the candidates are printf's correctly rounded %.*e and
// its two neighbours: at a power of two the doubles below are closer
// together than those above, so the nearest P-digit number may miss while
// the next one up reads back.
std::string ShortestFixed(double v) {
  char buf[kMaxGoFixedChars];
  if (std::fabs(v) < 0x1p53)
    return std::string(buf, std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed).ptr);
  const bool negative = v < 0;
  for (int digits = 1; digits <= 17; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*e", digits - 1, std::fabs(v));
    const char* e = std::strchr(buf, 'e');
    uint64_t nearest = 0;
    for (const char* c = buf; c < e; ++c)
      if (*c != '.') nearest = nearest * 10 + static_cast<uint64_t>(*c - '0');
    const int scale = std::atoi(e + 1) - (digits - 1);  // nearest * 10^scale
    for (const uint64_t m : {nearest, nearest + 1, nearest - 1}) {
      char candidate[64];
      std::snprintf(candidate, sizeof candidate, "%s%llue%d", negative ? "-" : "",
                    static_cast<unsigned long long>(m), scale);
      if (std::strtod(candidate, nullptr) != v) continue;
      EXPECT_GE(scale, 0) << candidate;
      return (negative ? "-" : "") + std::to_string(m) +
             std::string(static_cast<size_t>(std::max(scale, 0)), '0');
    }
  }
  ADD_FAILURE() << "no shortest digits for " << v;
  return "";
}

TEST(GoFloatTest, FixedAsPrometheusSpellsSampleValues) {
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(Fixed(0.0), "0");
  EXPECT_EQ(Fixed(-0.0), "-0");
  EXPECT_EQ(Fixed(0.5), "0.5");
  EXPECT_EQ(Fixed(-0.1), "-0.1");
  EXPECT_EQ(Fixed(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(Fixed(1.0 / 3), "0.3333333333333333");
  EXPECT_EQ(Fixed(123456.789), "123456.789");
  EXPECT_EQ(Fixed(-42), "-42");
  EXPECT_EQ(Fixed(1e-7), "0.0000001");
  EXPECT_EQ(Fixed(0.00125), "0.00125");
  EXPECT_EQ(Fixed(9007199254740993.0), "9007199254740992");  // 2^53 + 1 is not a double
  EXPECT_EQ(Fixed(1e21), "1000000000000000000000");
  EXPECT_EQ(Fixed(1e22), "10000000000000000000000");
  EXPECT_EQ(Fixed(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(Fixed(-inf), "-Inf");
  EXPECT_EQ(Fixed(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(Fixed(std::bit_cast<double>(kNaNBits)), "NaN");
  EXPECT_EQ(Fixed(std::bit_cast<double>(kStaleNaNBits)), "NaN");  // the API has no staleness spelling
  // The smallest subnormal: 324 decimals, the last a 5.
  EXPECT_EQ(Fixed(std::numeric_limits<double>::denorm_min()), "0." + std::string(323, '0') + "5");
  EXPECT_EQ(Fixed(-std::numeric_limits<double>::denorm_min()), "-0." + std::string(323, '0') + "5");
  // Integers past 2^53: the shortest digits, then zeros (each as Prometheus
  // 2.42's /api/v1/query answers the same number), not every digit of the
  // double's exact value (99999999999999991611392, 1152921504606846976).
  EXPECT_EQ(Fixed(1e23), "100000000000000000000000");
  EXPECT_EQ(Fixed(std::ldexp(1.0, 60)), "1152921504606847000");
  EXPECT_EQ(Fixed(std::ldexp(1.0, 63)), "9223372036854776000");
  EXPECT_EQ(Fixed(-std::ldexp(1.0, 70)), "-1180591620717411300000");
  EXPECT_EQ(Fixed(123456789012345678.0), "123456789012345680");
  EXPECT_EQ(Fixed(std::ldexp(1.0, 53)), "9007199254740992");
  EXPECT_EQ(Fixed(std::numeric_limits<double>::max()), "17976931348623157" + std::string(292, '0'));
  EXPECT_EQ(Fixed(std::numeric_limits<double>::min()), "0." + std::string(307, '0') + "22250738585072014");
}

// Reads `text` back and checks it is the same double.
void ExpectRoundTrip(double v, const std::string& text) {
  double back = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), back);
  ASSERT_EQ(ec, std::errc()) << text;
  ASSERT_EQ(ptr, text.data() + text.size()) << text;
  ASSERT_EQ(std::bit_cast<uint64_t>(back), std::bit_cast<uint64_t>(v)) << text;
}

// The few-decimals path must give exactly the shortest fixed text: values
// with 1 to 12 decimals (the path takes up to 8), around the magnitudes where
// it stops (mag * 10^k near 2^50), and arbitrary bit patterns.
TEST(GoFloatTest, FixedIsTheShortestThatReadsBack) {
  std::mt19937_64 rng(20261206);
  std::uniform_int_distribution<int> decimals(1, 12);
  std::uniform_int_distribution<int> digits(1, 17);
  int checked = 0;
  const auto check = [&](double v) {
    if (!std::isfinite(v)) return;
    const std::string text = Fixed(v);
    ASSERT_EQ(text, ShortestFixed(v)) << std::bit_cast<uint64_t>(v);
    ExpectRoundTrip(v, text);
    ++checked;
  };
  for (int i = 0; i < 200000; ++i) {
    // m / 10^k for an m of 1..17 digits.
    const int k = decimals(rng);
    const uint64_t bound = static_cast<uint64_t>(std::pow(10.0, digits(rng)));
    const double m = static_cast<double>(rng() % bound);
    const double v = m / std::pow(10.0, k);
    check(v);
    check(-v);
    check(std::nextafter(v, 0.0));
    check(std::nextafter(v, 1e300));
  }
  for (int k = 1; k <= 8; ++k) {
    const double edge = std::ldexp(1.0, 50) / std::pow(10.0, k);
    double v = edge;
    for (int step = 0; step < 64; ++step) v = std::nextafter(v, 0.0);
    for (int step = 0; step < 128; ++step, v = std::nextafter(v, 1e300)) {
      check(v);
      check(std::round(v * std::pow(10.0, k)) / std::pow(10.0, k));
    }
  }
  for (int i = 0; i < 200000; ++i) check(std::bit_cast<double>(rng()));
  // Past 2^53, where the integer part is padded: every binade up to DBL_MAX,
  // its edges, and powers of ten and two around it.
  for (int exp2 = 53; exp2 <= 1023; ++exp2) {
    const double low = std::ldexp(1.0, exp2);
    check(low);
    check(std::nextafter(low, 0.0));
    check(std::nextafter(low, 1e308 * 10));
    for (int i = 0; i < 20; ++i) check(-std::ldexp(1.0 + static_cast<double>(rng() >> 12) * 0x1p-52, exp2));
  }
  for (int p = 15; p <= 308; ++p) {
    const double ten = std::pow(10.0, p);
    check(ten);
    check(std::nextafter(ten, 0.0));
    check(std::nextafter(ten, 1e308 * 10));
  }
  for (double v : {0.1, 0.2, 0.3, 1.1, 2.675, 1e-8, 1.5e-9, 0.30000000000000004, 4503599627370495.5,
                   1125899906842623.9, 112589990684262.39, 1.0 / 3, 2.0 / 3, 99.99999999999999})
    check(v);
  EXPECT_GT(checked, 1000000);
}

TEST(GoFloatTest, DecimalAndExponentForms) {
  EXPECT_EQ(ParseGoFloat("0.5"), 0.5);
  EXPECT_EQ(ParseGoFloat("1.0"), 1.0);
  EXPECT_EQ(ParseGoFloat("1e1"), 10.0);
  EXPECT_EQ(ParseGoFloat("1E+1"), 10.0);
  EXPECT_EQ(ParseGoFloat(".5"), 0.5);
  EXPECT_EQ(ParseGoFloat("5."), 5.0);
  EXPECT_EQ(ParseGoFloat("+2.5e-1"), 0.25);
  EXPECT_EQ(ParseGoFloat("-0.005"), -0.005);
  EXPECT_EQ(ParseGoFloat("007"), 7.0);
  EXPECT_EQ(ParseGoFloat("0.1"), 0.1);  // correctly rounded
}

TEST(GoFloatTest, SpecialValuesAsGoSpellsThem) {
  for (const char* s : {"+Inf", "Inf", "inf", "INF", "infinity", "+Infinity"}) {
    EXPECT_EQ(ParseGoFloat(s), INFINITY) << s;
  }
  EXPECT_EQ(ParseGoFloat("-Inf"), -INFINITY);
  EXPECT_EQ(ParseGoFloat("-infinity"), -INFINITY);
  ASSERT_TRUE(ParseGoFloat("NaN").has_value());
  EXPECT_TRUE(std::isnan(*ParseGoFloat("nan")));
  // Go takes a sign before inf, not before nan; and only "inf" or all of "infinity".
  EXPECT_FALSE(ParseGoFloat("+NaN"));
  EXPECT_FALSE(ParseGoFloat("-nan"));
  EXPECT_FALSE(ParseGoFloat("infin"));
  EXPECT_FALSE(ParseGoFloat("infinityx"));
}

TEST(GoFloatTest, HexNeedsItsExponent) {
  EXPECT_EQ(ParseGoFloat("0x1p-2"), 0.25);
  EXPECT_EQ(ParseGoFloat("0X1.8P1"), 3.0);
  EXPECT_EQ(ParseGoFloat("-0x10p0"), -16.0);
  EXPECT_FALSE(ParseGoFloat("0x10"));
  EXPECT_FALSE(ParseGoFloat("0x"));
  EXPECT_FALSE(ParseGoFloat("0xp1"));
}

TEST(GoFloatTest, UnderscoresOnlyBetweenDigits) {
  EXPECT_EQ(ParseGoFloat("1_000"), 1000.0);
  EXPECT_EQ(ParseGoFloat("1_23.50_0_0e+1_2"), 1.235e14);
  EXPECT_EQ(ParseGoFloat("0x_1p0"), 1.0);
  EXPECT_FALSE(ParseGoFloat("_1"));
  EXPECT_FALSE(ParseGoFloat("1_"));
  EXPECT_FALSE(ParseGoFloat("1__0"));
  EXPECT_FALSE(ParseGoFloat("1_.5"));
}

TEST(GoFloatTest, WhatGoRefuses) {
  for (const char* s : {"", " 1", "1 ", "abc", "1,5", "1e", "1e+", "--1", "+", ".", "e1", "1.2.3", "0b101"}) {
    EXPECT_FALSE(ParseGoFloat(s)) << '"' << s << '"';
  }
}

TEST(GoFloatTest, OverflowIsAnErrorUnderflowIsZero) {
  EXPECT_FALSE(ParseGoFloat("1e400"));
  EXPECT_FALSE(ParseGoFloat("-1e309"));
  EXPECT_FALSE(ParseGoFloat("0x1p1024"));
  EXPECT_EQ(ParseGoFloat("1e-400"), 0.0);
  EXPECT_EQ(ParseGoFloat("1.7976931348623157e308"), 1.7976931348623157e308);
}

}  // namespace
}  // namespace overtone
