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
  EXPECT_EQ(Error("foo{a=\"b}"), "1:7: parse error: unterminated quoted string \"");
  EXPECT_EQ(Error("1 +\n  3x"), "2:3: parse error: bad number or duration syntax: \"3x\"");
  // A character outside ASCII is named whole, so the message stays valid UTF-8.
  EXPECT_EQ(Error("up + \xe3\x80\x8c"), "1:6: parse error: unexpected character: '\xe3\x80\x8c'");
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
            "1:3: parse error: set operator \"and\" not allowed in binary scalar expression");
  EXPECT_EQ(Error("sum(x[5m])"),
            "1:5: parse error: expected type instant vector in aggregation expression, got range vector");
  EXPECT_EQ(
      Error("topk(x)"),
      "1:1: parse error: wrong number of arguments for aggregate expression provided, expected 2, got 1");
  EXPECT_EQ(Error("a + bool b"), "1:3: parse error: bool modifier can only be used on comparison operators");
  EXPECT_EQ(Error("{x=\"\"}"),
            "1:1: parse error: vector selector must contain at least one non-empty matcher");
  EXPECT_EQ(Error("x offset 1m offset 2m"), "1:13: parse error: offset may not be set multiple times");
  EXPECT_EQ(Error("nosuchfn(x)"), "1:1: parse error: unknown function with name \"nosuchfn\"");
  EXPECT_EQ(Error("(x)[5m]"), "1:4: parse error: ranges only allowed for vector selectors");
  EXPECT_EQ(Error("x{a=~\"(\"}"), "1:6: parse error: error parsing regexp: missing ): (");
  EXPECT_EQ(Error("sum(x"),
            "1:6: parse error: unexpected end of input in aggregation, expected \",\" or \")\"");
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
