// ParseGoFloat accepts and refuses what Go's strconv.ParseFloat(s, 64) does:
// the `le` spellings Prometheus reads (histogram_quantile) and the ones it
// skips.

#include "base/go_float.h"

#include <gtest/gtest.h>

#include <cmath>

namespace overtone {
namespace {

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
