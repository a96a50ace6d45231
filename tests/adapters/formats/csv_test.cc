// CSV: the header, RFC 4180 quoting of the labels JSON, values as docs/SQL.md
// spells them, every error, and the writer's exact output.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <bit>
#include <cmath>
#include <string>

#include "adapters/formats/csv_format.h"
#include "adapters/formats/sample_writer.h"

namespace overtone::adapters {
namespace {

using ::testing::HasSubstr;

class CsvTest : public ::testing::Test {
 protected:
  // Parses a header and then `line`; returns the error message ("" if OK).
  std::string Parse(std::string_view line, ParsedLine* out,
                    std::string_view header = "metric,labels,ts,value") {
    CsvLineParser p;
    ParsedLine h;
    Status s = p.ParseLine(header, &h);
    if (!s.ok()) return s.message();
    s = p.ParseLine(line, out);
    if (s.ok() && out->kind == ParsedLine::Kind::kSample) {
      key_ = std::string(out->series);
      out->series = key_;
    }
    return s.ok() ? "" : s.message();
  }
  Labels SeriesOf(const ParsedLine& line) {
    Labels labels;
    Status s = CsvLineParser::ParseSeries(line.series, &labels);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return labels;
  }
  std::string key_;
};

TEST_F(CsvTest, QuotedJsonLabelsAndValues) {
  ParsedLine line;
  ASSERT_EQ(Parse(R"(http_requests_total,"{""code"":""200"",""path"":""/a,b""}",1700000000123,1027)", &line),
            "");
  EXPECT_EQ(line.ts, 1700000000123);
  EXPECT_EQ(line.value, 1027);
  EXPECT_EQ(SeriesOf(line), (Labels{{"__name__", "http_requests_total"}, {"code", "200"}, {"path", "/a,b"}}));
  ASSERT_EQ(Parse("temp,{},1,NaN", &line), "");
  EXPECT_TRUE(std::isnan(line.value));
  EXPECT_EQ(SeriesOf(line), (Labels{{"__name__", "temp"}}));
  ASSERT_EQ(Parse("temp,,1,stale", &line), "");
  EXPECT_TRUE(IsStaleNaN(line.value));
  ASSERT_EQ(Parse("temp, {} , -5 , -Inf ", &line), "");
  EXPECT_EQ(line.ts, -5);
  EXPECT_EQ(line.value, -INFINITY);
  ASSERT_EQ(Parse("temp,{},1,raw:0x7ff8000000000001", &line), "");
  EXPECT_EQ(std::bit_cast<uint64_t>(line.value), 0x7ff8000000000001ull);
}

TEST_F(CsvTest, HeaderColumnsInAnyOrder) {
  ParsedLine line;
  ASSERT_EQ(Parse("1.5,5,up,\"{\"\"job\"\":\"\"a\"\"}\"", &line, "Value,TimeStamp,Metric,Labels"), "");
  EXPECT_EQ(line.value, 1.5);
  EXPECT_EQ(line.ts, 5);
  EXPECT_EQ(SeriesOf(line), (Labels{{"__name__", "up"}, {"job", "a"}}));
  EXPECT_THAT(Parse("", &line, "metric,labels,ts,ts"), HasSubstr("the first line must be the header"));
  EXPECT_THAT(Parse("", &line, "up,{},1,1"), HasSubstr("the first line must be the header"));
  EXPECT_THAT(Parse("", &line, "metric,labels,ts"), HasSubstr("header: 3 fields, expected 4"));
}

TEST_F(CsvTest, EveryRecordError) {
  ParsedLine line;
  EXPECT_EQ(Parse("up,{},1", &line), "3 fields, expected 4 (metric,labels,ts,value)");
  EXPECT_EQ(Parse("up,{},1,2,3", &line), "more than 4 fields (labels with commas must be in double quotes)");
  EXPECT_EQ(Parse("up,\"{},1,2", &line), "column 4: unterminated quoted field");
  EXPECT_EQ(Parse("up,\"{}\"x,1,2", &line), "column 8: expected ',' after a quoted field");
  EXPECT_EQ(Parse("up,{},1.5,2", &line), "bad ts '1.5' (integer milliseconds since 1970)");
  EXPECT_THAT(Parse("up,{},1,two", &line), HasSubstr("bad value 'two'"));
  EXPECT_EQ(Parse(",{},1,2", &line), "empty metric name");

  auto series_error = [&](std::string_view row) {
    EXPECT_EQ(Parse(row, &line), "");
    Labels labels;
    Status s = CsvLineParser::ParseSeries(line.series, &labels);
    EXPECT_FALSE(s.ok()) << row;
    return s.message();
  };
  EXPECT_THAT(series_error("up,{bad,1,2"), HasSubstr("labels is not valid JSON"));
  EXPECT_THAT(series_error("up,[],1,2"), HasSubstr("labels must be a JSON object"));
  EXPECT_THAT(series_error("up,\"{\"\"a\"\":1}\",1,2"), HasSubstr("label \"a\" must have a string value"));
  EXPECT_THAT(series_error("up,\"{\"\"1a\"\":\"\"x\"\"}\",1,2"), HasSubstr("invalid label name"));
  EXPECT_THAT(series_error("9up,{},1,2"), HasSubstr("invalid metric name"));
  EXPECT_THAT(series_error("up,\"{\"\"__name__\"\":\"\"x\"\"}\",1,2"), HasSubstr("disagrees"));
}

TEST(CsvWriterTest, ExactOutputAndPortableStyle) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  {
    auto out = OutputFile::ForFd(fds[1], "pipe");
    auto w = NewCsvWriter(out.get(), NanStyle::kLossless);
    w->BeginSeries({{"__name__", "up"}, {"job", "a\"b"}});
    Sample s[] = {{1, 1.5}, {2, StaleNaN()}, {3, std::bit_cast<double>(0x7ff8000000000000ull)}};
    w->WriteSamples(s);
    ASSERT_TRUE(w->Finish().ok());
    auto p = NewCsvWriter(out.get(), NanStyle::kPortable);
    p->BeginSeries({{"__name__", "up"}});
    p->WriteSamples(s);
    ASSERT_TRUE(p->Finish().ok());
  }
  close(fds[1]);
  std::string got;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof(buf))) > 0;) got.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  EXPECT_EQ(got,
            "metric,labels,ts,value\n"
            "up,\"{\"\"job\"\":\"\"a\\\"\"b\"\"}\",1,1.5\n"
            "up,\"{\"\"job\"\":\"\"a\\\"\"b\"\"}\",2,stale\n"
            "up,\"{\"\"job\"\":\"\"a\\\"\"b\"\"}\",3,raw:0x7ff8000000000000\n"
            "metric,labels,ts,value\n"
            "up,\"{}\",1,1.5\n"
            "up,\"{}\",3,NaN\n");
}

}  // namespace
}  // namespace overtone::adapters
