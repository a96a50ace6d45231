#include <gtest/gtest.h>

#include "overtone/matcher.h"

namespace overtone {
namespace {

std::vector<LabelMatcher> MustParse(std::string_view s) {
  auto r = ParseSelector(s);
  EXPECT_TRUE(r.ok()) << s << ": " << r.status().ToString();
  return r.ok() ? *r : std::vector<LabelMatcher>{};
}

TEST(SelectorParserTest, MetricNameAlone) {
  EXPECT_EQ(MustParse("up"), (std::vector<LabelMatcher>{{MatchType::kEqual, "__name__", "up"}}));
  EXPECT_EQ(MustParse("  ns:rule:rate5m "),
            (std::vector<LabelMatcher>{{MatchType::kEqual, "__name__", "ns:rule:rate5m"}}));
}

TEST(SelectorParserTest, AllOperatorsAndQuotes) {
  auto ms = MustParse(R"(http{a="x", b!='y', c=~`z.*`, d!~"w\\d",})");
  ASSERT_EQ(ms.size(), 5u);
  EXPECT_EQ(ms[1], (LabelMatcher{MatchType::kEqual, "a", "x"}));
  EXPECT_EQ(ms[2], (LabelMatcher{MatchType::kNotEqual, "b", "y"}));
  EXPECT_EQ(ms[3], (LabelMatcher{MatchType::kRegexMatch, "c", "z.*"}));
  EXPECT_EQ(ms[4], (LabelMatcher{MatchType::kRegexNoMatch, "d", "w\\d"}));
}

TEST(SelectorParserTest, Escapes) {
  auto ms = MustParse(R"({a="q\"\n\t\x41\u00fc\101"})");
  ASSERT_EQ(ms.size(), 1u);
  EXPECT_EQ(ms[0].value, "q\"\n\tA\xc3\xbc" "A");
  EXPECT_EQ(MustParse(R"({a=`raw\n`})")[0].value, "raw\\n");
}

TEST(SelectorParserTest, ErrorsNamePosition) {
  for (std::string_view bad : {"", "{}", "up{", "up{a}", "up{a=}", "up{a=\"x}", "up{a=\"x\" b=\"y\"}",
                               "up}", "{a=\"\"}", "{a=~\".*\"}", "up{a=~\"(\"}", "{a=\"\\q\"}",
                               "up{1a=\"x\"}"}) {
    auto r = ParseSelector(bad);
    EXPECT_FALSE(r.ok()) << "accepted: " << bad;
    EXPECT_TRUE(r.status().IsInvalidArgument()) << bad;
  }
  auto r = ParseSelector("up{a=\"x\" b=\"y\"}");
  EXPECT_NE(r.status().message().find("10"), std::string::npos) << r.status().ToString();
}

TEST(SelectorParserTest, NegativeMatcherWithPositiveOneIsFine) {
  EXPECT_EQ(MustParse(R"({job="a", env=""})").size(), 2u);
  EXPECT_EQ(MustParse(R"({job!=""})").size(), 1u);
}

TEST(SelectorParserTest, ToStringRoundTrips) {
  auto ms = MustParse(R"(up{a="x\"y", b=~"c|d"})");
  auto again = MustParse(ToString(ms));
  EXPECT_EQ(ms, again);
}

}  // namespace
}  // namespace overtone
