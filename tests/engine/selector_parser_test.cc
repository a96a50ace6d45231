#include <gtest/gtest.h>

#include "engine/matcher_set.h"
#include "engine/selector_syntax.h"
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
  EXPECT_EQ(ms[0].value,
            "q\"\n\tA\xc3\xbc"
            "A");
  EXPECT_EQ(MustParse(R"({a=`raw\n`})")[0].value, "raw\\n");
}

TEST(SelectorParserTest, ErrorsNamePosition) {
  for (std::string_view bad : {"", "{}", "up{", "up{a}", "up{a=}", "up{a=\"x}", "up{a=\"x\" b=\"y\"}", "up}",
                               "{a=\"\"}", "{a=~\".*\"}", "up{a=~\"(\"}", "{a=\"\\q\"}", "up{1a=\"x\"}"}) {
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

TEST(SelectorParserTest, FollowsPromqlWhereTheGrammarsDiffered) {
  EXPECT_EQ(MustParse(R"({"service.name"="x", "a b"!="y"})"),
            (std::vector<LabelMatcher>{{MatchType::kEqual, "service.name", "x"},
                                       {MatchType::kNotEqual, "a b", "y"}}));
  EXPECT_EQ(MustParse("up # the comment\n{a=\"x\"}").size(), 2u);
  EXPECT_FALSE(ParseSelector(R"(up{a:b="x"})").ok());
  EXPECT_FALSE(ParseSelector(R"(up{__name__="x"})").ok());
  EXPECT_EQ(ParseSelector(R"(up{a=="x"})").status().message(),
            "invalid selector 'up{a==\"x\"}' at position 5: expected one of =, !=, =~, !~");
}

TEST(SelectorParserTest, ErrorMessagesNameWhatAndWhere) {
  struct Case {
    std::string_view selector, error;
  };
  for (const Case& c : {
           Case{"up{a=}", "at position 6: expected a quoted string"},
           Case{"up{", "at position 4: unclosed '{'"},
           Case{"up{a=\"x", "at position 6: unterminated string"},
           Case{"{a=\"\\q\"}", "at position 7: unknown escape sequence '\\q'"},
           Case{"up junk", "at position 4: unexpected character 'j'"},
       }) {
    EXPECT_EQ(ParseSelector(c.selector).status().message(),
              "invalid selector '" + std::string(c.selector) + "' " + std::string(c.error));
  }
}

TEST(SelectorParserTest, RegexesComeCompiledAndAreNotCompiledAgain) {
  auto ms = MustParse(R"(up{a=~"x.*", b!~"y", c="z"})");
  ASSERT_EQ(ms.size(), 4u);
  ASSERT_NE(ms[1].regex, nullptr);
  ASSERT_NE(ms[2].regex, nullptr);
  EXPECT_EQ(ms[3].regex, nullptr);
  auto compiled = engine::CompileAll(ms);
  ASSERT_TRUE(compiled.ok());
  EXPECT_EQ((*compiled)[1].matcher().regex, ms[1].regex);  // the same RE2, shared
  EXPECT_TRUE((*compiled)[1].Matches("xyz"));
  EXPECT_FALSE((*compiled)[2].Matches("y"));
  // A changed value is compiled afresh, not matched with the old regex.
  LabelMatcher changed = ms[1];
  changed.value = "q";
  auto again = engine::CompiledMatcher::Compile(changed);
  ASSERT_TRUE(again.ok());
  EXPECT_NE(again->matcher().regex, ms[1].regex);
  EXPECT_TRUE(again->Matches("q"));
  EXPECT_FALSE(again->Matches("xyz"));
  EXPECT_EQ(changed, (LabelMatcher{MatchType::kRegexMatch, "a", "q"}));  // equality ignores the regex
}

TEST(SelectorSyntaxTest, ReadsFromAnOffsetAndSaysWhereItStopped) {
  std::string_view q = R"(rate(up{job="a"}[5m]))";
  engine::SelectorSyntax s = engine::ReadSelector(q, 5);
  ASSERT_FALSE(s.error);
  EXPECT_EQ(s.metric_name, "up");
  EXPECT_EQ(s.matchers, (std::vector<LabelMatcher>{{MatchType::kEqual, "__name__", "up"},
                                                   {MatchType::kEqual, "job", "a"}}));
  EXPECT_EQ(s.end, 16u);
  engine::SelectorSyntax bare = engine::ReadSelector("x + y", 0);
  ASSERT_FALSE(bare.error);
  EXPECT_EQ(bare.end, 1u);
}

TEST(SelectorSyntaxTest, AQuotedNameAloneIsTheMetricName) {
  engine::SelectorSyntax s = engine::ReadSelector(R"({"a.b", c="d"})", 0);
  ASSERT_FALSE(s.error);
  EXPECT_EQ(s.metric_name, "a.b");
  engine::SelectorSyntax twice = engine::ReadSelector(R"(x{"y"})", 0);
  ASSERT_TRUE(twice.error);
  EXPECT_EQ(twice.error->kind, engine::SelectorSyntaxError::kRejected);
  EXPECT_EQ(twice.error->message, "metric name must not be set twice: \"x\" or \"y\"");
  EXPECT_EQ(twice.error->pos, 2u);
}

TEST(SelectorSyntaxTest, ErrorsSayWhatWasExpectedWhere) {
  using E = engine::SelectorSyntaxError;
  struct Case {
    std::string_view text;
    E::Kind kind;
    size_t pos;
  };
  for (const Case& c :
       {Case{"{=\"x\"}", E::kExpectedLabelName, 1}, Case{"{a \"x\"}", E::kExpectedMatchOp, 3},
        Case{"{a=x}", E::kExpectedString, 3}, Case{"{a=\"x\" b}", E::kExpectedCommaOrBrace, 7},
        Case{"{a=\"\\q\"}", E::kBadString, 3}}) {
    engine::SelectorSyntax s = engine::ReadSelector(c.text, 0);
    ASSERT_TRUE(s.error) << c.text;
    EXPECT_EQ(s.error->kind, c.kind) << c.text;
    EXPECT_EQ(s.error->pos, c.pos) << c.text;
  }
}

TEST(SelectorSyntaxTest, TheReadersCheckRejectsAMatcherAtItsValue) {
  engine::MatcherCheck no_regex = [](const LabelMatcher& m) -> std::optional<std::string> {
    if (m.type == MatchType::kRegexMatch) return "no regex";
    return std::nullopt;
  };
  engine::SelectorSyntax s = engine::ReadSelector(R"(up{a="x", b=~"y"})", 0, no_regex);
  ASSERT_TRUE(s.error);
  EXPECT_EQ(s.error->kind, engine::SelectorSyntaxError::kRejected);
  EXPECT_EQ(s.error->message, "no regex");
  EXPECT_EQ(s.error->pos, 13u);
}

TEST(SelectorSyntaxTest, LexicalRules) {
  EXPECT_TRUE(engine::IsNameStart(':', /*colon=*/true));
  EXPECT_FALSE(engine::IsNameStart(':', /*colon=*/false));
  EXPECT_FALSE(engine::IsNameStart('1', true));
  EXPECT_EQ(engine::NameEnd("ns:rule_1{", 0, true), 9u);
  EXPECT_EQ(engine::NameEnd("ns:rule_1{", 0, false), 2u);
  EXPECT_EQ(engine::SkipSpace("  # note\n\t x", 0), 11u);
}

}  // namespace
}  // namespace overtone
