// The PromQL lexer and parser: the lexical grammar, the tree, and errors
// with Prometheus-like messages and positions.

#include "adapters/promql/parser.h"

#include <gtest/gtest.h>

#include <cmath>

#include "adapters/promql/lexer.h"

namespace overtone::promql {
namespace {

std::vector<Token> Lex(std::string_view q) {
  Lexer lexer(q);
  auto t = lexer.Tokenize();
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return t.ok() ? *t : std::vector<Token>{};
}

std::string Error(std::string_view q) {
  auto e = ParseExpr(q);
  EXPECT_FALSE(e.ok()) << q << " parsed as " << (e.ok() ? ToString(**e) : "");
  return e.ok() ? "" : e.status().message();
}

std::string Roundtrip(std::string_view q) {
  auto e = ParseExpr(q);
  EXPECT_TRUE(e.ok()) << q << ": " << e.status().ToString();
  return e.ok() ? ToString(**e) : "";
}

TEST(LexerTest, Numbers) {
  auto t = Lex("1 0x1f 1.5e3 .2 2. 12.34e-6 Inf nan");
  ASSERT_EQ(t.size(), 9u);
  EXPECT_EQ(t[0].number, 1);
  EXPECT_EQ(t[1].number, 31);
  EXPECT_EQ(t[2].number, 1500);
  EXPECT_EQ(t[3].number, 0.2);
  EXPECT_EQ(t[4].number, 2);
  EXPECT_DOUBLE_EQ(t[5].number, 12.34e-6);
  EXPECT_TRUE(std::isinf(t[6].number));
  EXPECT_TRUE(std::isnan(t[7].number));
  EXPECT_EQ(t[8].kind, TokenKind::kEof);
}

TEST(LexerTest, DurationsStringsAndComments) {
  auto t = Lex("1h30m 500ms 2d # a comment\n \"a\\n\\\"b\\u00e9\" 'it\\'s' `raw\\n`");
  ASSERT_EQ(t.size(), 7u);
  EXPECT_EQ(t[0].kind, TokenKind::kDuration);
  EXPECT_EQ(t[0].duration_ms, 5400000);
  EXPECT_EQ(t[1].duration_ms, 500);
  EXPECT_EQ(t[2].duration_ms, 2 * 86400000LL);
  EXPECT_EQ(t[3].text, "a\n\"b\xc3\xa9");
  EXPECT_EQ(t[4].text, "it's");
  EXPECT_EQ(t[5].text, "raw\\n");
}

TEST(LexerTest, DurationParsing) {
  EXPECT_EQ(*ParseDuration("1y2w3d4h5m6s7ms"), ((((365LL + 14 + 3) * 24 + 4) * 60 + 5) * 60 + 6) * 1000 + 7);
  EXPECT_FALSE(ParseDuration("5m1h").ok());  // out of order
  EXPECT_FALSE(ParseDuration("1.5h").ok());
  EXPECT_FALSE(ParseDuration("").ok());
}

TEST(LexerTest, ErrorsNamePositions) {
  EXPECT_EQ(Error("foo $ bar"), "1:5: parse error: unexpected character: '$'");
  EXPECT_EQ(Error("foo{a=\"b}"), "1:7: parse error: unterminated quoted string");
  EXPECT_EQ(Error("1 +\n  3x"), "2:3: parse error: bad number or duration syntax: \"3\"");
  // A character outside ASCII is named whole, so the message stays valid UTF-8.
  EXPECT_EQ(Error("up + \xe3\x80\x8c"), "1:6: parse error: unexpected character: '\xe3\x80\x8c'");
}

// Each message and position as Prometheus 2.42 writes it (checked against
// a real one; tests/adapters/prometheus/prometheus_e2e_test.sh compares a
// few of them live).
TEST(LexerTest, ErrorsInPrometheusWords) {
  const std::pair<const char*, const char*> kCases[] = {
      // Parentheses, brackets and braces the lexer counts.
      {"sum(", "1:5: parse error: unclosed left parenthesis"},
      {"((foo)", "1:7: parse error: unclosed left parenthesis"},
      {")", "1:2: parse error: unexpected right parenthesis ')'"},
      {"rate(foo[5m]))", "1:15: parse error: unexpected right parenthesis ')'"},
      {"foo[5m", "1:7: parse error: unclosed left bracket"},
      {"foo[5m:1m", "1:10: parse error: unclosed left bracket"},
      {"foo[5m]]", "1:8: parse error: unexpected right bracket ']'"},
      {"foo[[5m]]", "1:5: parse error: missing unit character in duration"},
      {"foo[5m::1m]", "1:8: parse error: unexpected colon ':'"},
      {"foo[5m:1m x]", "1:11: parse error: unexpected colon 'x'"},
      {"foo{a=\"b\"", "1:10: parse error: unexpected end of input inside braces"},
      {"foo}", "1:4: parse error: unexpected character: '}'"},
      {"foo{{a=\"b\"}}", "1:5: parse error: unexpected left brace '{'"},
      {"sum(foo{a=\"b\")", "1:14: parse error: unexpected character inside braces: ')'"},
      // Numbers and durations.
      {"5x", "1:1: parse error: bad number or duration syntax: \"5\""},
      {"5mx", "1:1: parse error: bad number or duration syntax: \"5mx\""},
      {"foo[5x]", "1:5: parse error: bad duration syntax: \"5\""},
      {"foo[5m:1x]", "1:8: parse error: bad number or duration syntax: \"1\""},
      {"foo[1.5m]", "1:5: parse error: not a valid duration string: \"1.5m\""},
      {"foo[0s]", "1:5: parse error: duration must be greater than 0"},
      {"foo offset 0s", "1:12: parse error: duration must be greater than 0"},
      {"1.2.3", "1:4: parse error: unexpected number \".3\""},
      {"0x", "1:1: parse error: error parsing number: strconv.ParseFloat: parsing \"0x\": invalid syntax"},
      {"1e999",
       "1:1: parse error: error parsing number: strconv.ParseFloat: parsing \"1e999\": value out of range"},
      {"0xffffffffffffffff",
       "1:1: parse error: error parsing number: strconv.ParseFloat: parsing \"0xffffffffffffffff\": invalid "
       "syntax"},
      // Strings: the error names the opening quote.
      {"'abc", "1:1: parse error: unterminated quoted string"},
      {"`abc", "1:1: parse error: unterminated raw string"},
      {"\"a\\qb\"", "1:1: parse error: unknown escape sequence U+0071 'q'"},
      {"\"\\x4g\"", "1:1: parse error: illegal character U+0067 'g' in escape sequence"},
      {"foo{a=\"\\u12\"}", "1:7: parse error: illegal character U+0022 '\"' in escape sequence"},
      {"\"\\400\"", "1:1: parse error: escape sequence is an invalid Unicode code point"},
      {"\"a\\", "1:1: parse error: escape sequence not terminated"},
      // Operators and characters.
      {"foo !x", "1:5: parse error: unexpected character after '!': 'x'"},
      {"foo!", "1:4: parse error: unexpected character after '!': '\xef\xbf\xbd'"},
      {"foo =~ bar", "1:5: parse error: unexpected character after '=': '~'"},
      {"foo !~ \"a\"", "1:5: parse error: unexpected character after '!': '~'"},
      {"foo{a!b\"c\"}", "1:6: parse error: unexpected character after '!' inside braces: 'b'"},
      {"foo{a~\"b\"}", "1:6: parse error: unexpected character inside braces: '~'"},
  };
  for (const auto& [query, want] : kCases) EXPECT_EQ(Error(query), want) << query;
}

TEST(LexerTest, NumbersAsGoReadsThem) {
  auto t = Lex("017 08 0x1F 1e3");
  ASSERT_EQ(t.size(), 5u);
  EXPECT_EQ(t[0].number, 15);  // octal, as strconv.ParseInt reads it
  EXPECT_EQ(t[1].number, 8);   // no octal number: read as a decimal float
  EXPECT_EQ(t[2].number, 31);
  EXPECT_EQ(t[3].number, 1000);
}

// The parser reaches a lexical error only after the tokens before it, so a
// syntax error earlier comes first; type errors wait for the whole query,
// so any syntax or lexical error comes before them.
TEST(ParserTest, ErrorsComeInPrometheusOrder) {
  EXPECT_EQ(Error("foo bar )"), "1:5: parse error: unexpected identifier \"bar\"");
  EXPECT_EQ(Error("1 < 2 )"), "1:8: parse error: unexpected right parenthesis ')'");
  EXPECT_EQ(Error("1 < 2 foo"), "1:7: parse error: unexpected identifier \"foo\"");
  EXPECT_EQ(Error("rate(x) )"), "1:10: parse error: unexpected right parenthesis ')'");
  EXPECT_EQ(Error("x offset 1m offset 2m )"), "1:1: parse error: offset may not be set multiple times");
  EXPECT_EQ(Error("foo{a=\"\\z\"} bar"), "1:7: parse error: unknown escape sequence U+007A 'z'");
  EXPECT_EQ(Error("nosuchfn(x"), "1:11: parse error: unclosed left parenthesis");
  EXPECT_EQ(Error("nosuchfn(rate(x))"), "1:1: parse error: unknown function with name \"nosuchfn\"");
}

TEST(ParserTest, UnexpectedTokensInPrometheusWords) {
  const std::pair<const char*, const char*> kCases[] = {
      {"foo by (a)", "1:5: parse error: unexpected <by>"},
      {"foo + group_left bar", "1:7: parse error: unexpected <group_left>"},
      {"* foo", "1:1: parse error: unexpected <op:*>"},
      {"foo + ", "1:7: parse error: unexpected end of input"},
      {"(1 + )", "1:6: parse error: unexpected \")\""},
      {"foo{a=\"b\"} = 1", "1:12: parse error: unexpected \"=\""},
      {"sum by (a) (x) by (b)", "1:16: parse error: unexpected <by>"},
      {"sum(rate(foo[5m]) by (a)", "1:19: parse error: unexpected <by> in aggregation"},
      {"sum without (a) foo", "1:17: parse error: unexpected identifier \"foo\" in aggregation"},
      {"rate(foo[5m] 1)", "1:14: parse error: unexpected number \"1\""},
      {"rate((a b))", "1:9: parse error: unexpected identifier \"b\""},
      {"sum((a b))", "1:8: parse error: unexpected identifier \"b\" in aggregation"},
      {"sum(,)", "1:5: parse error: unexpected \",\" in aggregation"},
      {"on(foo)", "1:1: parse error: unexpected <on>"},
      {"0 @ ", "1:5: parse error: unexpected end of input in @, expected timestamp"},
      {"foo + on(a) group_left",
       "1:23: parse error: unexpected end of input in grouping opts, expected \"(\""},
      {"foo + on(a) group_left *", "1:24: parse error: unexpected <op:*> in grouping opts, expected \"(\""},
      {"a + on b", "1:8: parse error: unexpected identifier \"b\" in grouping opts, expected \"(\""},
      {"sum by (a b) (x)",
       "1:11: parse error: unexpected identifier \"b\" in grouping opts, expected \",\" or \")\""},
      {"foo[5m 1m]",
       "1:8: parse error: unexpected duration \"1m\" in subquery or range, expected \":\" or \"]\""},
      {"foo[5m:1m 2m]", "1:11: parse error: unexpected duration \"2m\" in subquery selector, expected \"]\""},
      {"foo{a=\"b\" b=\"c\"}",
       "1:11: parse error: unexpected identifier \"b\" in label matching, expected \",\" or \"}\""},
      {"foo{,}", "1:5: parse error: unexpected \",\" in label matching, expected identifier or \"}\""},
      {"foo{a=}", "1:7: parse error: unexpected \"}\" in label matching, expected string"},
      {"\"abcdefghijkl\" \"b\"", "1:16: parse error: unexpected string \"\\\"b\\\"\""},
      {"1 \"abcdefghijkl\"", "1:3: parse error: unexpected string \"\\\"abcdefghi\"..."},
      {"rate(x[5m],)", "1:11: parse error: trailing commas not allowed in function call args"},
      {"sum()", "1:1: parse error: no arguments for aggregate expression provided"},
      {"foo offset 1m[5m]", "1:14: parse error: no offset modifiers allowed before range"},
      {"foo @ 100[5m]", "1:10: parse error: no @ modifiers allowed before range"},
      {"a + on(b) 1", "1:1: parse error: vector matching only allowed between instant vectors"},
      {"a and on(b) group_left c", "1:1: parse error: no grouping allowed for \"and\" operation"},
  };
  for (const auto& [query, want] : kCases) EXPECT_EQ(Error(query), want) << query;
}

TEST(ParserTest, SelectorsAndModifiers) {
  EXPECT_EQ(Roundtrip("http_requests_total{job=\"api\", code!~\"5..\"}"),
            "http_requests_total{code!~\"5..\",job=\"api\"}");  // sorted, as Prometheus prints them
  EXPECT_EQ(Roundtrip("rate(x[5m] offset 1h)"), "rate(x[5m] offset 1h)");
  EXPECT_EQ(Roundtrip("x @ 100 offset -50s"), "x @ 100.000 offset -50s");
  EXPECT_EQ(Roundtrip("x offset 50 @ start()"), "x @ start() offset 50s");
  EXPECT_EQ(Roundtrip("sum_over_time(x[100])"), "sum_over_time(x[1m40s])");
  EXPECT_EQ(Roundtrip("{__name__=~\"a|b\"}"), "{__name__=~\"a|b\"}");
}

TEST(ParserTest, PrecedenceAndAssociativity) {
  auto e = ParseExpr("1 + 2 * 3 ^ 2 ^ 2");
  ASSERT_TRUE(e.ok());
  ASSERT_EQ((*e)->kind, Expr::Kind::kBinary);
  EXPECT_EQ((*e)->op, BinaryOp::kAdd);
  const Expr& mul = (*e)->arg(1);
  EXPECT_EQ(mul.op, BinaryOp::kMul);
  EXPECT_EQ(mul.arg(1).op, BinaryOp::kPow);
  EXPECT_EQ(mul.arg(1).arg(1).kind, Expr::Kind::kBinary);  // right-associative
  // Unary minus binds like *, below ^: -2 ^ 2 is -(2 ^ 2).
  auto u = ParseExpr("-x ^ 2");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ((*u)->kind, Expr::Kind::kUnary);
  auto set = ParseExpr("a or b and c unless d");
  ASSERT_TRUE(set.ok());
  EXPECT_EQ((*set)->op, BinaryOp::kOr);
}

TEST(ParserTest, AggregationsAndMatching) {
  EXPECT_EQ(Roundtrip("sum by (job) (rate(x[5m]))"), "sum by (job) (rate(x[5m]))");
  EXPECT_EQ(Roundtrip("sum(x) without (instance)"), "sum without (instance) (x)");
  EXPECT_EQ(Roundtrip("SUM BY (job) (x)"), "sum by (job) (x)");
  EXPECT_EQ(Roundtrip("topk(3, x)"), "topk(3, x)");
  EXPECT_EQ(Roundtrip("a * on (job) group_left (team) b"), "a * on (job) group_left (team) b");
  EXPECT_EQ(Roundtrip("a > bool ignoring (x) b"), "a > bool ignoring (x) b");
  auto e = ParseExpr("a and on(job) b");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ((*e)->matching->card, Cardinality::kManyToMany);
}

TEST(ParserTest, TypeErrors) {
  EXPECT_EQ(Error("rate(x)"),
            "1:6: parse error: expected type range vector in call to function \"rate\", got instant vector");
  EXPECT_EQ(Error("1 > 2"), "1:3: parse error: comparisons between scalars must use BOOL modifier");
  EXPECT_EQ(Error("1 and x"),
            "1:1: parse error: set operator \"and\" not allowed in binary scalar expression");
  EXPECT_EQ(Error("sum(x[5m])"),
            "1:5: parse error: expected type instant vector in aggregation expression, got range vector");
  EXPECT_EQ(
      Error("topk(x)"),
      "1:1: parse error: wrong number of arguments for aggregate expression provided, expected 2, got 1");
  EXPECT_EQ(Error("a + bool b"), "1:3: parse error: bool modifier can only be used on comparison operators");
  EXPECT_EQ(Error("{x=\"\"}"),
            "1:1: parse error: vector selector must contain at least one non-empty matcher");
  EXPECT_EQ(Error("x offset 1m offset 2m"), "1:1: parse error: offset may not be set multiple times");
  EXPECT_EQ(Error("nosuchfn(x)"), "1:1: parse error: unknown function with name \"nosuchfn\"");
  EXPECT_EQ(Error("(x)[5m]"), "1:4: parse error: ranges only allowed for vector selectors");
  EXPECT_EQ(Error("x{a=~\"(\"}"), "1:6: parse error: error parsing regexp: missing ): (");
  EXPECT_EQ(Error("sum(x"), "1:6: parse error: unclosed left parenthesis");
}

// Found by fuzz_promql_parser (fuzz/corpus/promql_parser/crash-string-rendering):
// string literals were rendered without escapes, so "src\\\"" (the string
// src\") came back as "src\"", which reads as src". A rendering must parse
// to the same tree.
TEST(ParserTest, FuzzStringsRenderWithEscapes) {
  const char kQuery[] =
      "-label_replace(ul, \"dst\", \"$1\", \"src\\\\\\\"\", \"(.*)\") unless absent-nothingM";
  std::string printed = Roundtrip(kQuery);
  EXPECT_EQ(printed,
            "-label_replace(ul, \"dst\", \"$1\", \"src\\\\\\\"\", \"(.*)\") unless absent - nothingM");
  EXPECT_EQ(Roundtrip(printed), printed);
  EXPECT_EQ(Roundtrip("\"a\\x00\\x7f\\t\\n\\r\\\\b\\u00e9'\""), "\"a\\x00\\x7f\\t\\n\\r\\\\b\u00e9'\"");
}

// Found by fuzz_promql_parser (fuzz/corpus/promql_parser/crash-quoted-label-name):
// a quoted label name in on (...) was rendered bare, "d (.*)" as d (.*),
// which does not parse. Names that are not plain are rendered quoted, in
// grouping lists and matchers, and such a metric name inside the braces.
// Prometheus 2.42's /api/v1/format_query answers for the same queries.
TEST(ParserTest, PrettySplitsWhatIsOver100Characters) {
  auto pretty = [](std::string_view q) {
    auto e = ParseExpr(q);
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    return e.ok() ? Pretty(**e) : "";
  };
  EXPECT_EQ(pretty("sum by(job)(rate(x[5m]))"), "sum by (job) (rate(x[5m]))");
  EXPECT_EQ(pretty("(sum by (job, instance) (rate(http_requests_total{job=\"api\",code=~\"5..\"}[5m])) / "
                   "sum by (job, instance) (rate(http_requests_total[5m]))) * 100"),
            "  (\n"
            "      sum by (job, instance) (rate(http_requests_total{code=~\"5..\",job=\"api\"}[5m]))\n"
            "    /\n"
            "      sum by (job, instance) (rate(http_requests_total[5m]))\n"
            "  )\n"
            "*\n"
            "  100");
  EXPECT_EQ(
      pretty("-sum by (job, instance) (rate(http_requests_total{job=\"api\",code=~\"5..\","
             "handler!=\"/metrics\",instance=~\"a.*\"}[5m]))"),
      "-sum by (job, instance) (\n"
      "  rate(http_requests_total{code=~\"5..\",handler!=\"/metrics\",instance=~\"a.*\",job=\"api\"}[5m])\n"
      ")");
}

TEST(ParserTest, FuzzQuotedNamesRenderQuoted) {
  const char kQuery[] = "a / on (jabel_rep, \"d (.*)\") unlU5";
  std::string printed = Roundtrip(kQuery);
  EXPECT_EQ(printed, "a / on (jabel_rep, \"d (.*)\") unlU5");
  EXPECT_EQ(Roundtrip(printed), printed);
  EXPECT_EQ(
      Roundtrip("sum by (\"service.name\") (rate({\"http.requests\", \"a b\"=~\"x\\ty\"}[5m] offset 1m))"),
      "sum by (\"service.name\") (rate({\"http.requests\",\"a b\"=~\"x\\ty\"}[5m] offset 1m))");
  EXPECT_EQ(Roundtrip("{\"up\", job=\"a\"}"), "up{job=\"a\"}");
}

// Found while fuzzing the parser (fuzz/corpus/promql_parser/crash-nested-parentheses
// and crash-long-operator-chain): a thousand nested parentheses overflowed
// the stack in the recursive parser, and a chain of 2000 operators (4 KB)
// in the recursive translation of the tree after it. Trees deeper than 256
// levels are now a parse error; shallower ones still parse.
TEST(ParserTest, FuzzDeepNestingIsAnErrorNotAStackOverflow) {
  std::string deep = std::string(1000, '(') + "up" + std::string(1000, ')');
  EXPECT_EQ(Error(deep), "1:257: parse error: expression nested more than 256 levels deep");
  std::string chain = "1";
  for (int i = 0; i < 2000; ++i) chain += "+1";
  EXPECT_EQ(Error(chain), "1:511: parse error: expression nested more than 256 levels deep");
  EXPECT_NE(Error(std::string(100000, '(') + "up" + std::string(100000, ')')), "");
  EXPECT_NE(Error(std::string(300, '-') + "up"), "");
  EXPECT_EQ(Roundtrip(std::string(200, '(') + "up" + std::string(200, ')')),
            std::string(200, '(') + "up" + std::string(200, ')'));
}

}  // namespace
}  // namespace overtone::promql
