// The text formats: values and timestamps as text, the OpenMetrics /
// Prometheus text line parser (every error path), the writer, and format
// guessing.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <string>

#include "adapters/formats/openmetrics_parser.h"
#include "adapters/formats/openmetrics_writer.h"
#include "adapters/formats/value_text.h"

namespace overtone::adapters {
namespace {

using ::testing::HasSubstr;

uint64_t Bits(double v) { return std::bit_cast<uint64_t>(v); }

TEST(ValueTextTest, ShortestRoundTripAndSpecialTokens) {
  EXPECT_EQ(FormatValue(1.5), "1.5");
  EXPECT_EQ(FormatValue(0.1), "0.1");
  EXPECT_EQ(FormatValue(42), "42");
  EXPECT_EQ(FormatValue(-0.0), "-0");
  EXPECT_EQ(FormatValue(1e300), "1e+300");
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatValue(std::bit_cast<double>(kStandardNaNBits)), "NaN");
  EXPECT_EQ(FormatValue(StaleNaN()), "stale");
  EXPECT_EQ(FormatValue(std::bit_cast<double>(0x7ff8000000000001ull)), "NaN");  // Prometheus's NaN
  EXPECT_EQ(FormatValue(std::bit_cast<double>(0x7ff8000000000000ull)), "raw:0x7ff8000000000000");
  EXPECT_EQ(FormatValue(StaleNaN(), NanStyle::kPortable), "NaN");
  EXPECT_EQ(FormatValue(std::bit_cast<double>(0xfff8000000000000ull), NanStyle::kPortable), "NaN");
}

TEST(ValueTextTest, EveryFormattedValueParsesBackBitForBit) {
  const uint64_t cases[] = {Bits(0.0),
                            Bits(-0.0),
                            Bits(1.5),
                            Bits(0.1),
                            Bits(1.0 / 3),
                            Bits(123456789.123456789),
                            Bits(5e-324),
                            Bits(std::numeric_limits<double>::max()),
                            Bits(-1e-300),
                            0x7ff0000000000000ull,
                            0xfff0000000000000ull,
                            kStandardNaNBits,
                            kStaleNaNBits,
                            0x7ff8000000000001ull,
                            0xfff8000000000000ull,
                            0x7ff0000000000001ull};
  for (uint64_t bits : cases) {
    std::string text = FormatValue(std::bit_cast<double>(bits));
    double back = 0;
    ASSERT_TRUE(ParseValue(text, &back)) << text;
    EXPECT_EQ(Bits(back), bits) << text;
  }
}

TEST(ValueTextTest, ParsesWhatPrometheusWrites) {
  double v = 0;
  ASSERT_TRUE(ParseValue("+Inf", &v));
  EXPECT_TRUE(std::isinf(v) && v > 0);
  ASSERT_TRUE(ParseValue("-inf", &v));
  EXPECT_TRUE(std::isinf(v) && v < 0);
  ASSERT_TRUE(ParseValue("Infinity", &v));
  ASSERT_TRUE(ParseValue("nan", &v));
  EXPECT_EQ(Bits(v), kStandardNaNBits);
  ASSERT_TRUE(ParseValue("+1.5e3", &v));
  EXPECT_EQ(v, 1500);
  ASSERT_TRUE(ParseValue("-.5", &v));
  EXPECT_EQ(v, -0.5);
  for (const char* bad : {"", "abc", "1.5x", "--1", "+NaN", "-stale", "raw:0x12", "1e999", "0x10"}) {
    EXPECT_FALSE(ParseValue(bad, &v)) << bad;
  }
}

TEST(ValueTextTest, SecondsAreConvertedExactly) {
  int64_t ms = 0;
  ASSERT_TRUE(ParseSeconds("1700000000.123", &ms));
  EXPECT_EQ(ms, 1700000000123);
  ASSERT_TRUE(ParseSeconds("1.7e9", &ms));
  EXPECT_EQ(ms, 1700000000000);
  ASSERT_TRUE(ParseSeconds("1700000000.1239", &ms));  // below a ms: truncated
  EXPECT_EQ(ms, 1700000000123);
  ASSERT_TRUE(ParseSeconds("-0.001", &ms));
  EXPECT_EQ(ms, -1);
  ASSERT_TRUE(ParseSeconds("0.000001e3", &ms));
  EXPECT_EQ(ms, 1);
  for (const char* bad : {"", ".", "1..2", "1e", "abc", "1e30", "12a"}) {
    EXPECT_FALSE(ParseSeconds(bad, &ms)) << bad;
  }
  char buf[kMaxNumberChars];
  for (int64_t t : {int64_t{1700000000123}, int64_t{1700000000100}, int64_t{1700000000000}, int64_t{-1},
                    int64_t{-1500}, int64_t{0}, int64_t{7}}) {
    std::string text(buf, FormatSeconds(t, buf));
    ASSERT_TRUE(ParseSeconds(text, &ms)) << text;
    EXPECT_EQ(ms, t) << text;
  }
  EXPECT_EQ(std::string(buf, FormatSeconds(1700000000100, buf)), "1700000000.1");
  EXPECT_EQ(std::string(buf, FormatSeconds(-1500, buf)), "-1.5");
}

TEST(ValueTextTest, DurationsAndTimeArguments) {
  EXPECT_EQ(*ParseDurationMs("15s"), 15000);
  EXPECT_EQ(*ParseDurationMs("1h30m"), 5400000);
  EXPECT_EQ(*ParseDurationMs("500ms"), 500);
  EXPECT_EQ(*ParseDurationMs("2d"), 172800000);
  EXPECT_EQ(*ParseDurationMs("0", true), 0);
  EXPECT_FALSE(ParseDurationMs("0").ok());
  EXPECT_FALSE(ParseDurationMs("15").ok());
  EXPECT_FALSE(ParseDurationMs("1x").ok());
  EXPECT_FALSE(ParseDurationMs("").ok());

  const int64_t now = 1714564800000;
  EXPECT_EQ(*ParseTimeArg("2024-05-01T12:00:00Z", now), 1714564800000);
  EXPECT_EQ(*ParseTimeArg("2024-05-01T14:00:00.5+02:00", now), 1714564800500);
  EXPECT_EQ(*ParseTimeArg("1714564800", now), 1714564800000);
  EXPECT_EQ(*ParseTimeArg("1714564800.25", now), 1714564800250);
  EXPECT_EQ(*ParseTimeArg("1714564800000", now), 1714564800000);  // 13 digits: ms
  EXPECT_EQ(*ParseTimeArg("1714564800123ms", now), 1714564800123);
  EXPECT_EQ(*ParseTimeArg("now", now), now);
  EXPECT_EQ(*ParseTimeArg("now-1h", now), now - 3600000);
  EXPECT_FALSE(ParseTimeArg("yesterday", now).ok());
  EXPECT_FALSE(ParseTimeArg("2024-13-01T00:00:00Z", now).ok());
  EXPECT_EQ(FormatRfc3339(1714564800000), "2024-05-01T12:00:00Z");
  EXPECT_EQ(FormatRfc3339(1714564800123), "2024-05-01T12:00:00.123Z");
}

class ParserTest : public ::testing::Test {
 protected:
  ParsedLine Sample(TextLineParser& p, std::string_view line) {
    ParsedLine out;
    Status s = p.ParseLine(line, &out);
    EXPECT_TRUE(s.ok()) << line << ": " << s.ToString();
    EXPECT_EQ(out.kind, ParsedLine::Kind::kSample) << line;
    return out;
  }
  std::string Error(TextFormat f, std::string_view line) {
    TextLineParser p(f);
    ParsedLine out;
    Status s = p.ParseLine(line, &out);
    EXPECT_FALSE(s.ok()) << line;
    return s.message();
  }
  std::string SeriesError(std::string_view series) {
    Labels labels;
    Status s = TextLineParser::ParseSeries(series, &labels);
    EXPECT_FALSE(s.ok()) << series;
    return s.message();
  }
};

TEST_F(ParserTest, OpenMetricsSampleWithEscapesAndExemplar) {
  TextLineParser p(TextFormat::kOpenMetrics);
  ParsedLine line =
      Sample(p, R"(http_requests_total{path="/a\"b\\c\nd",code="200"} 1027 1700000000.5 # {trace_id="x"} 1)");
  EXPECT_EQ(line.ts, 1700000000500);
  EXPECT_EQ(line.value, 1027);
  Labels labels;
  ASSERT_TRUE(TextLineParser::ParseSeries(line.series, &labels).ok());
  EXPECT_EQ(labels, (Labels{{"__name__", "http_requests_total"}, {"code", "200"}, {"path", "/a\"b\\c\nd"}}));
  std::string text;
  AppendSeriesText(labels, &text);
  EXPECT_EQ(text, R"(http_requests_total{code="200",path="/a\"b\\c\nd"})");
}

TEST_F(ParserTest, PrometheusTextMillisecondsBlanksAndTrailingComma) {
  TextLineParser p(TextFormat::kPrometheus);
  ParsedLine line = Sample(p, "  up{job=\"a\",} \t 1   1700000000123  ");
  EXPECT_EQ(line.ts, 1700000000123);
  Labels labels;
  ASSERT_TRUE(TextLineParser::ParseSeries(line.series, &labels).ok());
  EXPECT_EQ(labels, (Labels{{"__name__", "up"}, {"job", "a"}}));
  // An empty label value is no label at all.
  ASSERT_TRUE(TextLineParser::ParseSeries("up{job=\"\"}", &labels).ok());
  EXPECT_EQ(labels, (Labels{{"__name__", "up"}}));
}

TEST_F(ParserTest, SpecialValues) {
  TextLineParser p(TextFormat::kOpenMetrics);
  EXPECT_EQ(Bits(Sample(p, "m NaN 1").value), kStandardNaNBits);
  EXPECT_EQ(Sample(p, "m +Inf 1").value, std::numeric_limits<double>::infinity());
  EXPECT_EQ(Sample(p, "m -Inf 1").value, -std::numeric_limits<double>::infinity());
  EXPECT_EQ(Bits(Sample(p, "m stale 1").value), kStaleNaNBits);
  EXPECT_EQ(Bits(Sample(p, "m raw:0x7ff8000000000001 1").value), 0x7ff8000000000001ull);
}

TEST_F(ParserTest, MetadataCommentsAndEof) {
  TextLineParser p(TextFormat::kOpenMetrics);
  ParsedLine out;
  for (const char* line : {"# a plain comment", "", "   "}) {
    ASSERT_TRUE(p.ParseLine(line, &out).ok()) << line;
    EXPECT_EQ(out.kind, ParsedLine::Kind::kSkip) << line;
  }
  // Metadata lines: the family and the text as written (exposition.h stores them).
  ASSERT_TRUE(p.ParseLine("# TYPE http_requests counter", &out).ok());
  EXPECT_EQ(out.kind, ParsedLine::Kind::kMetadata);
  EXPECT_EQ(out.keyword, ParsedLine::Keyword::kType);
  EXPECT_EQ(out.family, "http_requests");
  EXPECT_EQ(out.text, "counter");
  ASSERT_TRUE(p.ParseLine("# HELP http_requests Requests \\n served. ", &out).ok());
  EXPECT_EQ(out.keyword, ParsedLine::Keyword::kHelp);
  EXPECT_EQ(out.text, "Requests \\n served.");
  EXPECT_EQ(UnescapeHelp(out.text), "Requests \n served.");
  ASSERT_TRUE(p.ParseLine("# UNIT memory_bytes bytes", &out).ok());
  EXPECT_EQ(out.keyword, ParsedLine::Keyword::kUnit);
  EXPECT_EQ(out.family, "memory_bytes");
  EXPECT_EQ(out.text, "bytes");
  EXPECT_FALSE(p.Finish().ok());
  ASSERT_TRUE(p.ParseLine("# EOF", &out).ok());
  EXPECT_EQ(out.kind, ParsedLine::Kind::kEof);
  EXPECT_TRUE(p.Finish().ok());
  EXPECT_THAT(p.ParseLine("m 1 1", &out).message(), HasSubstr("after '# EOF'"));

  TextLineParser prom(TextFormat::kPrometheus);
  ASSERT_TRUE(prom.ParseLine("# EOF", &out).ok());  // only a comment there
  EXPECT_EQ(out.kind, ParsedLine::Kind::kSkip);
  EXPECT_TRUE(prom.Finish().ok());
}

TEST_F(ParserTest, EveryLineErrorNamesItsColumn) {
  const TextFormat om = TextFormat::kOpenMetrics, prom = TextFormat::kPrometheus;
  EXPECT_EQ(Error(om, "1abc 1 1"), "column 1: expected a metric name");
  EXPECT_EQ(Error(om, "m{a=\"1\" 1 1"), "column 1: unterminated label set (missing '}')");
  EXPECT_EQ(Error(om, "m{a=\"1} 1 1"), "column 1: unterminated label value (missing '\"')");
  EXPECT_EQ(Error(om, "m{a=\"1\"}x 1 1"), "column 9: expected a space after the series, found 'x'");
  EXPECT_EQ(Error(om, "m"), "column 2: expected a value after the series");
  EXPECT_THAT(Error(om, "m abc 1"), HasSubstr("column 3: bad value 'abc'"));
  EXPECT_EQ(Error(om, "m 1"), "column 4: the sample has no timestamp (an import needs one on every sample)");
  EXPECT_THAT(Error(om, "m 1 # {a=\"b\"} 1"), HasSubstr("no timestamp"));
  EXPECT_THAT(Error(om, "m 1 12x"),
              HasSubstr("column 5: bad timestamp '12x' (OpenMetrics timestamps are seconds"));
  EXPECT_THAT(
      Error(prom, "m 1 1.5"),
      HasSubstr("column 5: bad timestamp '1.5' (Prometheus text timestamps are integer milliseconds"));
  EXPECT_THAT(Error(om, "m 1 1 extra"), HasSubstr("column 7: unexpected text after the timestamp: 'extra'"));
  EXPECT_THAT(Error(prom, "m 1 1 # {a=\"b\"} 1"), HasSubstr("unexpected text after the timestamp"));
  EXPECT_THAT(Error(om, "# TYPE 1bad counter"),
              HasSubstr("column 8: # TYPE needs a metric name, found '1bad'"));
  EXPECT_THAT(Error(om, "# HELP"), HasSubstr("# HELP needs a metric name"));
  EXPECT_THAT(Error(om, "# TYPE m widget"), HasSubstr("column 10: unknown metric type 'widget'"));
  EXPECT_THAT(Error(om, "# TYPE m counter extra"), HasSubstr("text after the metric type"));
  EXPECT_THAT(Error(om, "# EOF now"), HasSubstr("text after '# EOF'"));
}

TEST_F(ParserTest, EverySeriesErrorNamesTheLabel) {
  EXPECT_EQ(SeriesError("m{1a=\"x\"}"), "expected a label name or '}' at '1a=\"x\"}'");
  EXPECT_EQ(SeriesError("m{a \"x\"}"), "expected '=' after label name 'a'");
  EXPECT_EQ(SeriesError("m{a=x}"), "expected '\"' to start the value of label 'a'");
  EXPECT_EQ(SeriesError("m{a=\"\\t\"}"),
            "invalid escape '\\t' in the value of label 'a' (only \\\\, \\\" and \\n)");
  EXPECT_EQ(SeriesError("m{a=\"x\" b=\"y\"}"), "expected ',' or '}' after the value of label 'a'");
  EXPECT_THAT(SeriesError("m{a=\"x\",a=\"y\"}"), HasSubstr("duplicate label name \"a\""));
  EXPECT_THAT(SeriesError("m{__name__=\"n\"}"), HasSubstr("duplicate label name \"__name__\""));
  EXPECT_THAT(SeriesError("m{a=\"\xff\"}"), HasSubstr("not valid UTF-8"));
}

TEST(GuessTextFormatTest, FromMetadataOrTheFirstTimestamp) {
  EXPECT_EQ(GuessTextFormat("# TYPE a gauge\na 1 1700000000000\n"), TextFormat::kPrometheus);
  EXPECT_EQ(GuessTextFormat("a 1 1700000000.5\n"), TextFormat::kOpenMetrics);
  EXPECT_EQ(GuessTextFormat("a 1 1700000000\n"), TextFormat::kOpenMetrics);  // seconds
  EXPECT_EQ(GuessTextFormat("# UNIT a_bytes bytes\n"), TextFormat::kOpenMetrics);
  EXPECT_EQ(GuessTextFormat("# TYPE a unknown\n"), TextFormat::kOpenMetrics);
  EXPECT_EQ(GuessTextFormat("# EOF\n"), TextFormat::kOpenMetrics);
  // A cut-off last line does not decide: "17000" may be the start of ms.
  EXPECT_EQ(GuessTextFormat("a 1 1700000000000\nb 1 17000"), TextFormat::kPrometheus);
  EXPECT_EQ(GuessTextFormat(""), TextFormat::kPrometheus);
}

}  // namespace
}  // namespace overtone::adapters
