// The expanding notation of promtool's input series, and series labels.

#include "adapters/rules/series_notation.h"

#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <vector>

namespace overtone::rules {
namespace {

using Values = std::vector<std::optional<double>>;

Values Parse(const char* text) {
  auto v = ParseSeriesValues(text);
  EXPECT_TRUE(v.ok()) << text << ": " << v.status().ToString();
  return v.ok() ? *v : Values{};
}

TEST(SeriesNotation, Expands) {
  EXPECT_EQ(Parse("1 2 3"), (Values{1, 2, 3}));
  EXPECT_EQ(Parse("1+2x3"), (Values{1, 3, 5, 7}));
  EXPECT_EQ(Parse("10-1x2"), (Values{10, 9, 8}));
  EXPECT_EQ(Parse("-1+1x2"), (Values{-1, 0, 1}));
  EXPECT_EQ(Parse("5x2"), (Values{5, 5, 5}));
  EXPECT_EQ(Parse("1e3+1e2x1"), (Values{1000, 1100}));
  EXPECT_EQ(Parse("_ 1 _x3 2"), (Values{std::nullopt, 1, std::nullopt, std::nullopt, std::nullopt, 2}));
  EXPECT_EQ(Parse("  0x0  "), (Values{0}));
  EXPECT_EQ(Parse(""), Values{});
}

TEST(SeriesNotation, SpecialValues) {
  Values v = Parse("stale NaN Inf -Inf");
  ASSERT_EQ(v.size(), 4u);
  EXPECT_TRUE(IsStaleNaN(*v[0]));
  EXPECT_TRUE(std::isnan(*v[1]) && !IsStaleNaN(*v[1]));
  EXPECT_EQ(*v[2], INFINITY);
  EXPECT_EQ(*v[3], -INFINITY);
  Values s = Parse("stalex2");
  ASSERT_EQ(s.size(), 3u);
  EXPECT_TRUE(IsStaleNaN(*s[2]));
}

TEST(SeriesNotation, Errors) {
  for (const char* bad : {"1+2", "abc", "1x", "1xa", "_xz", "1+x3"}) {
    auto v = ParseSeriesValues(bad);
    EXPECT_FALSE(v.ok()) << bad;
    if (!v.ok()) {
      EXPECT_NE(v.status().message().find("bad series value"), std::string::npos) << bad;
    }
  }
}

TEST(SeriesLabels, Parses) {
  auto l = ParseSeriesLabels(R"(up{job="a", instance="b:1"})");
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  EXPECT_EQ(*l, (Labels{{"__name__", "up"}, {"instance", "b:1"}, {"job", "a"}}));
  EXPECT_EQ(*ParseSeriesLabels("test"), (Labels{{"__name__", "test"}}));
  EXPECT_EQ(*ParseSeriesLabels(R"({__name__="x", a="1"})"), (Labels{{"__name__", "x"}, {"a", "1"}}));
  EXPECT_TRUE(ParseSeriesLabels("")->empty());
  EXPECT_TRUE(ParseSeriesLabels(" { } ")->empty());  // the empty set, as promtool writes a scalar's
  EXPECT_FALSE(ParseSeriesLabels("{} x").ok());
  EXPECT_FALSE(ParseSeriesLabels(R"(up{job=~"a.*"})").ok());
  EXPECT_FALSE(ParseSeriesLabels(R"(up{job="a")").ok());
}

}  // namespace
}  // namespace overtone::rules
