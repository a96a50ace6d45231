#include "base/text.h"

#include <gtest/gtest.h>

namespace overtone {
namespace {

TEST(TextTest, AppendUtf8EncodesEachLength) {
  std::string s;
  for (uint32_t cp : {0x41u, 0xfcu, 0x20acu, 0x1f600u}) AppendUtf8(cp, &s);
  EXPECT_EQ(s, "A\xc3\xbc\xe2\x82\xac\xf0\x9f\x98\x80");
}

TEST(TextTest, DecodeUtf8ReadsAsGoDoes) {
  size_t len = 9;
  EXPECT_EQ(DecodeUtf8("a", 0, &len), 'a');
  EXPECT_EQ(len, 1u);
  EXPECT_EQ(DecodeUtf8("x\xc3\xbc", 1, &len), 0xfc);
  EXPECT_EQ(len, 2u);
  EXPECT_EQ(DecodeUtf8("\xf0\x9f\x98\x80", 0, &len), 0x1f600);
  EXPECT_EQ(len, 4u);
  EXPECT_EQ(DecodeUtf8("\xef\xbf\xbd", 0, &len), 0xfffd);  // a real U+FFFD
  EXPECT_EQ(len, 3u);
  // Invalid sequences: one byte of U+FFFD each.
  for (std::string_view bad : {"\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xff", "\xc3x"}) {
    EXPECT_EQ(DecodeUtf8(bad, 0, &len), 0xfffd) << bad;
    EXPECT_EQ(len, 1u) << bad;
  }
  EXPECT_EQ(DecodeUtf8("a", 1, &len), -1);
  EXPECT_EQ(len, 0u);
}

TEST(TextTest, QuoteGoEscapesWhatGoEscapes) {
  EXPECT_EQ(QuoteGo("plain"), "\"plain\"");
  EXPECT_EQ(QuoteGo("a\"b\\c\nd\re\tf"), R"("a\"b\\c\nd\re\tf")");
  EXPECT_EQ(QuoteGo(std::string("\x01\x7f", 2)), R"("\x01\x7f")");
  EXPECT_EQ(QuoteGo("\xc3\xbc"), "\"\xc3\xbc\"");  // UTF-8 stays as it is
}

TEST(TextTest, ReadsEachKindOfLiteral) {
  StringLiteral lit = ReadStringLiteral(R"(x="q\"\n\t\x41\u00fc\101" y)", 2);
  ASSERT_EQ(lit.error, StringLiteral::kNone);
  EXPECT_EQ(lit.value,
            "q\"\n\tA\xc3\xbc"
            "A");
  EXPECT_EQ(lit.end, 25u);
  EXPECT_EQ(ReadStringLiteral(R"('it\'s')", 0).value, "it's");
  EXPECT_EQ(ReadStringLiteral("`raw\\n\nline`", 0).value, "raw\\n\nline");
  EXPECT_EQ(ReadStringLiteral(R"("\U0001F600")", 0).value, "\xf0\x9f\x98\x80");
}

TEST(TextTest, QuoteGoReadsBack) {
  std::string s = "a\"\\\n\x01\xc3\xbc";
  StringLiteral lit = ReadStringLiteral(QuoteGo(s), 0);
  ASSERT_EQ(lit.error, StringLiteral::kNone);
  EXPECT_EQ(lit.value, s);
}

TEST(TextTest, ErrorsSayWhatAndWhere) {
  struct Case {
    std::string_view text;
    StringLiteral::Error error;
    size_t at;
  };
  for (const Case& c :
       {Case{"  \"abc", StringLiteral::kUnterminated, 2}, Case{"\"ab\ncd\"", StringLiteral::kUnterminated, 0},
        Case{"\"ab\\", StringLiteral::kUnterminatedEscape, 4},
        Case{"\"a\\qb\"", StringLiteral::kUnknownEscape, 3},
        Case{"\"\\'\"", StringLiteral::kUnknownEscape, 2},
        Case{"\"\\x4g\"", StringLiteral::kBadEscapeDigit, 4},
        Case{"\"\\u12", StringLiteral::kBadEscapeDigit, 5},
        Case{"\"\\400\"", StringLiteral::kOctalOutOfRange, 5},
        Case{"\"\\ud800\"", StringLiteral::kInvalidCodePoint, 7}}) {
    StringLiteral lit = ReadStringLiteral(c.text, c.text.find_first_of("\"'`"));
    EXPECT_EQ(lit.error, c.error) << c.text;
    EXPECT_EQ(lit.at, c.at) << c.text;
    EXPECT_TRUE(lit.value.empty()) << c.text;
  }
}

TEST(TextTest, PercentEncodeKeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(PercentEncode("avg by (role) (cpu{a=\"b\"})"),
            "avg%20by%20%28role%29%20%28cpu%7Ba%3D%22b%22%7D%29");
  EXPECT_EQ(PercentEncode("a-b.c_d~e"), "a-b.c_d~e");
  EXPECT_EQ(PercentEncode("\xc3\xa9/&"), "%C3%A9%2F%26");
}

}  // namespace
}  // namespace overtone
