// Rows into samples, logfmt lines and webhook JSON (monitor_rows.h).

#include "adapters/monitors/monitor_rows.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace overtone::adapters {
namespace {

SqlTable Table(std::vector<std::string> columns, std::vector<std::vector<SqlValue>> rows) {
  return SqlTable{std::move(columns), std::move(rows)};
}

TEST(RowsToSamplesTest, MetricValueTsAndLabels) {
  SqlTable t =
      Table({"metric", "codec", "value", "ts", "shard"},
            {{std::string("segment_bytes"), std::string("flac"), int64_t{1234}, int64_t{1000}, int64_t{3}},
             {std::string("segment_bytes"), std::string("xor"), 0.5, std::monostate{}, std::monostate{}}});
  auto s = RowsToSamples(t, 99000);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->bad_rows, 0u);
  EXPECT_EQ(s->batch.num_samples(), 2u);
  EXPECT_EQ(s->batch.num_series(), 2u);
}

TEST(RowsToSamplesTest, BadRowsAreSkippedAndCounted) {
  SqlTable t = Table({"metric", "value", "ts"}, {{std::string("ok"), 1.0, std::monostate{}},
                                                 {std::monostate{}, 1.0, std::monostate{}},
                                                 {std::string("m"), std::string("high"), std::monostate{}},
                                                 {std::string("m"), 1.0, std::string("yesterday")},
                                                 {std::string("ok"), 2.0, int64_t{5}}});
  auto s = RowsToSamples(t, 99000);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->batch.num_samples(), 2u);
  EXPECT_EQ(s->bad_rows, 3u);
  EXPECT_EQ(s->first_error, "row 2: `metric` is not a metric name");
  // A label column whose name is no label name spoils every row.
  auto bad = RowsToSamples(Table({"metric", "value", "count(*)"}, {{std::string("m"), 1.0, int64_t{1}}}), 0);
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->bad_rows, 1u);
  EXPECT_NE(bad->first_error.find("count(*)"), std::string::npos) << bad->first_error;
  // Without the two columns, nothing can be a sample.
  EXPECT_FALSE(RowsToSamples(Table({"name", "value"}, {}), 0).ok());
}

TEST(LogfmtTest, QuotesWhatNeedsIt) {
  SqlTable t = Table({"codec", "bytes", "ratio", "note", "missing", "empty"},
                     {{std::string("flac"), int64_t{1234}, 0.25, std::string("two \"words\""),
                       std::monostate{}, std::string("")}});
  EXPECT_EQ(Logfmt(t, 0), R"(codec=flac bytes=1234 ratio=0.25 note="two \"words\"" missing=null empty="")");
  EXPECT_EQ(Logfmt(t, 0, 0), R"(bytes=1234 ratio=0.25 note="two \"words\"" missing=null empty="")");
}

TEST(RowsToLogEntriesTest, TsColumnIsTheEntryTime) {
  SqlTable t = Table({"ts", "x"}, {{int64_t{1714564800123}, int64_t{1}}, {std::monostate{}, int64_t{2}}});
  std::vector<LogEntry> e = RowsToLogEntries(t, {{"monitor", "m"}}, 1714564900000);
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].ts_ns, 1714564800123000000);
  EXPECT_EQ(e[0].line, "x=1");
  EXPECT_EQ(e[1].ts_ns, 1714564900000000000);  // the run's time
  EXPECT_EQ(e[1].stream, (Labels{{"monitor", "m"}}));
  // Text, or milliseconds beyond what nanoseconds can hold, is no time: it stays in the line.
  SqlTable odd = Table({"ts"}, {{std::string("noon")}, {int64_t{9000000000000000000}}});
  e = RowsToLogEntries(odd, {}, 1000);
  EXPECT_EQ(e[0].line, "ts=noon");
  EXPECT_EQ(e[1].line, "ts=9000000000000000000");
  EXPECT_EQ(e[1].ts_ns, 1000000000);
}

TEST(RowsToJsonTest, ArrayOfObjects) {
  SqlTable t =
      Table({"name", "n", "r", "nothing"},
            {{std::string("a"), int64_t{1}, 0.5, std::monostate{}},
             {std::string("b"), int64_t{2}, std::numeric_limits<double>::infinity(), std::monostate{}}});
  EXPECT_EQ(RowsToJson(t),
            R"([{"name":"a","n":1,"r":0.5,"nothing":null},{"name":"b","n":2,"r":"+Inf","nothing":null}])");
  EXPECT_EQ(RowsToJson(Table({"x"}, {})), "[]");
}

}  // namespace
}  // namespace overtone::adapters
