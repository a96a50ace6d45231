// PromQL over classic histograms and the aggregations and functions that
// came with them: histogram_quantile and histogram_fraction over `_bucket`
// series, the native-histogram functions (empty over float series),
// limitk, limit_ratio, double_exponential_smoothing, and the label-name
// rule for the labels PromQL creates.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "adapters/promql/query.h"
#include "overtone/sql.h"
#include "tests/support/test_database.h"

namespace overtone::promql {
namespace {

class HistogramEvalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = SqlSession::Open(testing::TestDatabaseOptions(), dir_.path());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    session_ = std::move(*s);
  }

  void Bucket(const std::string& metric, const Labels& labels, const std::string& le, double count,
              int64_t ts = 0) {
    Labels l = labels;
    l.push_back({"__name__", metric});
    if (!le.empty()) l.push_back({"le", le});
    batch_.Add(l, ts, count);
  }
  void Write() {
    ASSERT_TRUE(session_->db()->Write(batch_).ok());
    batch_ = WriteBatch();
  }

  Result<QueryResult> Run(std::string_view q, int64_t t = 0) {
    return RunInstantQuery(session_->conn(), q, t);
  }
  QueryResult RangeQuery(std::string_view q, int64_t start, int64_t end, int64_t step) {
    auto r = RunRangeQuery(session_->conn(), q, start, end, step);
    EXPECT_TRUE(r.ok()) << q << ": " << r.status().ToString();
    return r.ok() ? *r : QueryResult{};
  }

  // "labels=value" per series.
  std::vector<std::string> Values(std::string_view q, int64_t t = 0) {
    auto r = Run(q, t);
    EXPECT_TRUE(r.ok()) << q << ": " << r.status().ToString();
    std::vector<std::string> out;
    if (!r.ok()) return out;
    for (const Series& s : r->series)
      out.push_back(LabelsToString(s.labels) + "=" + FormatValue(s.points[0].value));
    return out;
  }
  double Value(std::string_view q, int64_t t = 0) {
    auto v = Values(q, t);
    EXPECT_EQ(v.size(), 1u) << q;
    auto r = Run(q, t);
    return r.ok() && r->series.size() == 1 ? r->series[0].points[0].value : NAN;
  }
  std::string Error(std::string_view q, int64_t t = 0) {
    auto r = Run(q, t);
    return r.ok() ? "no error" : r.status().message();
  }

  overtone::testing::TempDir dir_;
  std::unique_ptr<SqlSession> session_;
  WriteBatch batch_;
};

using V = std::vector<std::string>;

TEST_F(HistogramEvalTest, QuantilePerHistogramWithoutNameOrLe) {
  for (const char* job : {"a", "b"}) {
    double scale = std::string(job) == "a" ? 1 : 2;
    Bucket("rq_bucket", {{"job", job}}, "0.1", 10 * scale);
    Bucket("rq_bucket", {{"job", job}}, "0.5", 30 * scale);
    Bucket("rq_bucket", {{"job", job}}, "1", 40 * scale);
    Bucket("rq_bucket", {{"job", job}}, "+Inf", 50 * scale);
  }
  Write();
  EXPECT_EQ(Values("histogram_quantile(0.5, rq_bucket)"), (V{"{job=\"a\"}=0.4", "{job=\"b\"}=0.4"}));
  EXPECT_EQ(Values("histogram_quantile(0.1, rq_bucket{job=\"a\"})"), V{"{job=\"a\"}=0.05"});
  EXPECT_EQ(Values("histogram_quantile(0.9, rq_bucket{job=\"a\"})"), V{"{job=\"a\"}=1"});
  EXPECT_EQ(Values("histogram_quantile(-1, rq_bucket{job=\"a\"})"), V{"{job=\"a\"}=-Inf"});
  EXPECT_EQ(Values("histogram_quantile(1.5, rq_bucket{job=\"a\"})"), V{"{job=\"a\"}=+Inf"});
  EXPECT_EQ(Values("histogram_quantile(NaN, rq_bucket{job=\"a\"})"), V{"{job=\"a\"}=NaN"});
  // The usual dashboard form: sum by (le), then the quantile.
  EXPECT_EQ(Values("histogram_quantile(0.5, sum by (le) (rq_bucket))"), V{"{}=0.4"});
  // The quantile may vary from step to step.
  auto range = RangeQuery("histogram_quantile(time() / 100, rq_bucket{job=\"a\"})", 10000, 70000, 60000);
  ASSERT_EQ(range.series.size(), 1u);
  ASSERT_EQ(range.series[0].points.size(), 2u);
  EXPECT_DOUBLE_EQ(range.series[0].points[0].value, 0.05);  // q = 0.1
  EXPECT_DOUBLE_EQ(range.series[0].points[1].value, 0.75);  // q = 0.7: rank 35 in (0.5, 1]
}

// histogram_quantile of rate(x_bucket[r]) with the name matched exactly
// goes through selector_aggregate(); with a regular expression for the
// name, through the SQL grouping. Both give the same points, counter
// resets, empty buckets, NaN and all.
TEST_F(HistogramEvalTest, QuantileOfRateAgreesWithTheGroupedPath) {
  const char* les[] = {"0.1", "0.5", "1", "+Inf"};
  for (int t = 0; t <= 20; ++t) {
    for (const char* job : {"a", "b"}) {
      double scale = std::string(job) == "a" ? 1 : 3;
      for (int b = 0; b < 4; ++b) {
        double count = scale * t * (b + 1) * (1 + (t * 7 + b) % 3);
        if (std::string(job) == "b" && t == 12) count = b;               // a counter reset
        if (std::string(job) == "a" && b == 3 && t >= 15) count = 1000;  // no observations any more
        Bucket("lat_bucket", {{"job", job}}, les[b], count, t * 15000);
      }
    }
  }
  Write();
  for (const char* fn : {"rate", "irate", "increase"}) {
    for (double q : {0.5, 0.9, -1.0, 2.0}) {
      char fast[160], grouped[160];
      std::snprintf(fast, sizeof fast, "histogram_quantile(%g, %s(lat_bucket[1m]))", q, fn);
      std::snprintf(grouped, sizeof grouped, "histogram_quantile(%g, %s({__name__=~\"lat_bucket\"}[1m]))", q,
                    fn);
      ASSERT_NE(ExplainQuery(fast, 60000, 300000, 10000)->find("selector_aggregate('sum', 'without'"),
                std::string::npos);
      ASSERT_EQ(ExplainQuery(grouped, 60000, 300000, 10000)->find("selector_aggregate"), std::string::npos);
      QueryResult a = RangeQuery(fast, 60000, 300000, 10000), b = RangeQuery(grouped, 60000, 300000, 10000);
      ASSERT_EQ(a.series.size(), 2u) << fast;
      ASSERT_EQ(a.series.size(), b.series.size()) << fast;
      for (size_t i = 0; i < a.series.size(); ++i) {
        EXPECT_EQ(LabelsToString(a.series[i].labels), LabelsToString(b.series[i].labels)) << fast;
        ASSERT_EQ(a.series[i].points.size(), b.series[i].points.size()) << fast;
        for (size_t p = 0; p < a.series[i].points.size(); ++p) {
          EXPECT_EQ(a.series[i].points[p].ts, b.series[i].points[p].ts) << fast;
          EXPECT_EQ(FormatValue(a.series[i].points[p].value), FormatValue(b.series[i].points[p].value))
              << fast << " at " << a.series[i].points[p].ts;
        }
      }
    }
  }
}

TEST_F(HistogramEvalTest, EdgeCasesOfTheBuckets) {
  // No +Inf bucket; only the +Inf bucket; no observations; falling counts.
  Bucket("h_bucket", {{"case", "no_inf"}}, "1", 5);
  Bucket("h_bucket", {{"case", "no_inf"}}, "2", 10);
  Bucket("h_bucket", {{"case", "one"}}, "+Inf", 10);
  Bucket("h_bucket", {{"case", "empty"}}, "1", 0);
  Bucket("h_bucket", {{"case", "empty"}}, "+Inf", 0);
  Bucket("h_bucket", {{"case", "falling"}}, "1", 10);
  Bucket("h_bucket", {{"case", "falling"}}, "2", 5);
  Bucket("h_bucket", {{"case", "falling"}}, "3", 20);
  Bucket("h_bucket", {{"case", "falling"}}, "+Inf", 20);
  Bucket("h_bucket", {{"case", "negative"}}, "-1", 5);
  Bucket("h_bucket", {{"case", "negative"}}, "0", 10);
  Bucket("h_bucket", {{"case", "negative"}}, "+Inf", 10);
  Write();
  EXPECT_EQ(Values("histogram_quantile(0.75, h_bucket)"),
            (V{"{case=\"empty\"}=NaN", "{case=\"falling\"}=2.5", "{case=\"negative\"}=-0.5",
               "{case=\"no_inf\"}=NaN", "{case=\"one\"}=NaN"}));
  EXPECT_EQ(Values("histogram_quantile(0.25, h_bucket{case=\"negative\"})"), V{"{case=\"negative\"}=-1"});
}

TEST_F(HistogramEvalTest, LeSpellingsAsGoParsesThem) {
  // 1.0 and 1e1 are numbers; inf is +Inf; a bound that is no number, out of
  // range or missing drops that series only.
  Bucket("s_bucket", {}, "0.5", 2);
  Bucket("s_bucket", {}, "1.0", 4);
  Bucket("s_bucket", {}, "1e1", 8);
  Bucket("s_bucket", {}, "inf", 8);
  Bucket("s_bucket", {}, "abc", 100);
  Bucket("s_bucket", {}, "1e400", 100);
  Bucket("s_bucket", {{"x", "no_le"}}, "", 100);
  Bucket("t_bucket", {}, "abc", 1);
  Write();
  EXPECT_EQ(Values("histogram_quantile(0.5, s_bucket)"), V{"{}=1"});
  EXPECT_EQ(Values("histogram_quantile(0.75, s_bucket)"), V{"{}=5.5"});  // 1 + 9 * 2/4
  // A histogram without one usable bucket gives no series; nor does one without le.
  EXPECT_EQ(Values("histogram_quantile(0.5, t_bucket)"), V{});
  EXPECT_EQ(Values("histogram_quantile(0.5, s_bucket{x=\"no_le\"})"), V{});
}

TEST_F(HistogramEvalTest, NamesKeepHistogramsApart) {
  // Grouping keeps __name__: two histograms with the same other labels are
  // two results, which collide once the name is dropped.
  for (const char* m : {"a_bucket", "b_bucket"}) {
    Bucket(m, {{"job", "x"}}, "1", 1);
    Bucket(m, {{"job", "x"}}, "+Inf", 2);
  }
  Write();
  EXPECT_EQ(Error("histogram_quantile(0.5, {__name__=~\"a_bucket|b_bucket\"})"),
            "vector cannot contain metrics with the same labelset");
  EXPECT_EQ(Values("histogram_quantile(0.5, a_bucket)"), V{"{job=\"x\"}=1"});
}

TEST_F(HistogramEvalTest, FractionOverBucketsAndNativeOnlyFunctionsEmpty) {
  Bucket("rq_bucket", {}, "0.1", 10);
  Bucket("rq_bucket", {}, "0.5", 30);
  Bucket("rq_bucket", {}, "1", 40);
  Bucket("rq_bucket", {}, "+Inf", 50);
  Bucket("rq_count", {}, "", 50);
  Bucket("rq_sum", {}, "", 20);
  Write();
  EXPECT_EQ(Values("histogram_fraction(0, 0.5, rq_bucket)"), V{"{}=0.6"});
  EXPECT_EQ(Values("histogram_fraction(0.05, 0.3, rq_bucket)"), V{"{}=0.3"});
  for (const char* q : {"histogram_count(rq_count)", "histogram_sum(rq_sum)", "histogram_avg(rq_bucket)",
                        "histogram_stddev(rq_bucket)", "histogram_stdvar(rq_bucket)"}) {
    EXPECT_EQ(Values(q), V{}) << q;
  }
}

TEST_F(HistogramEvalTest, LimitkKeepsKSeriesPerGroup) {
  for (int i = 0; i < 6; ++i) {
    batch_.Add({{"__name__", "m"}, {"g", i % 2 ? "odd" : "even"}, {"i", std::to_string(i)}}, 0, i);
  }
  Write();
  EXPECT_EQ(Values("count(limitk(2, m))"), V{"{}=2"});
  EXPECT_EQ(Values("count(limitk by (g) (2, m))"), V{"{}=4"});
  EXPECT_EQ(Values("count(limitk without (i) (1, m))"), V{"{}=2"});
  EXPECT_EQ(Values("count(limitk(100, m) and m)"), V{"{}=6"});
  EXPECT_EQ(Values("limitk(0, m)"), V{});
  EXPECT_EQ(Values("limitk(-1, m)"), V{});
  // Values and names are the input's.
  EXPECT_EQ(Values("limitk(1, m{i=\"3\"})"), V{"m{g=\"odd\", i=\"3\"}=3"});
  EXPECT_EQ(Error("limitk(NaN, m)"), "Parameter value is NaN");
  EXPECT_EQ(Error("limitk(NaN, nothing)"), "Parameter value is NaN");
}

TEST_F(HistogramEvalTest, LimitRatioSamplesByHash) {
  for (int i = 0; i < 40; ++i) batch_.Add({{"__name__", "m"}, {"i", std::to_string(i)}}, 0, i);
  Write();
  EXPECT_EQ(Values("count(limit_ratio(1, m))"), V{"{}=40"});
  EXPECT_EQ(Values("count(limit_ratio(-1, m))"), V{"{}=40"});
  EXPECT_EQ(Values("count(limit_ratio(1.5, m))"), V{"{}=40"});  // capped to 1
  EXPECT_EQ(Values("limit_ratio(0, m)"), V{});
  // r and -(1 - r) split the series between them, for any r.
  for (const char* r : {"0.2", "0.5", "0.8"}) {
    std::string a = std::string("limit_ratio(") + r + ", m)";
    std::string b = std::string("limit_ratio(-(1 - ") + r + "), m)";
    EXPECT_EQ(Values("count(" + a + " or " + b + ")"), V{"{}=40"}) << r;
    EXPECT_EQ(Values("count(" + a + " and " + b + ")"), V{}) << r;
  }
  // Deterministic, and about half for 0.5.
  auto half = Values("limit_ratio(0.5, m)");
  EXPECT_EQ(half, Values("limit_ratio(0.5, m)"));
  EXPECT_GT(half.size(), 10u);
  EXPECT_LT(half.size(), 30u);
  EXPECT_EQ(Error("limit_ratio(NaN, m)"), "Ratio value is NaN");
  EXPECT_EQ(Error("limit_ratio(NaN, nothing)"), "Ratio value is NaN");
}

TEST_F(HistogramEvalTest, DoubleExponentialSmoothing) {
  int64_t s = 10000;
  for (int i = 0; i < 3; ++i) batch_.Add({{"__name__", "g"}}, i * s, std::vector<double>{1, 3, 2}[i]);
  for (int i = 0; i <= 12; ++i) batch_.Add({{"__name__", "line"}}, i * s, 10.0 * i);
  Write();
  EXPECT_EQ(Values("double_exponential_smoothing(g[1m], 0.5, 0.5)", 2 * s), V{"{}=3.5"});
  EXPECT_EQ(Values("holt_winters(g[1m], 0.5, 0.5)", 2 * s), V{"{}=3.5"});
  EXPECT_NEAR(Value("double_exponential_smoothing(line[1m], 0.01, 0.1)", 12 * s), 120, 1e-9);
  // Through a subquery too (the factors reach prom_window).
  EXPECT_NEAR(Value("double_exponential_smoothing(line[1m:10s], 0.01, 0.1)", 12 * s), 120, 1e-9);
  EXPECT_EQ(Error("double_exponential_smoothing(g[1m], 1, 0.5)", 2 * s),
            "invalid smoothing factor. Expected: 0 < sf < 1, got: 1.000000");
  EXPECT_EQ(Error("double_exponential_smoothing(g[1m], 0.5, 0)", 2 * s),
            "invalid trend factor. Expected: 0 < tf < 1, got: 0.000000");
  // As in Prometheus, the factors are checked only where there are samples.
  EXPECT_EQ(Values("double_exponential_smoothing(nothing[1m], 2, 2)", 2 * s), V{});
  // Fewer than two samples: no value.
  EXPECT_EQ(Values("double_exponential_smoothing(g[1m], 0.5, 0.5)", 0), V{});
}

TEST_F(HistogramEvalTest, CreatedLabelNamesFollowPrometheusRule) {
  batch_.Add({{"__name__", "m"}, {"a", "x"}}, 0, 1);
  Write();
  EXPECT_EQ(Error("label_replace(m, \"~invalid\", \"v\", \"a\", \".*\")"),
            "invalid destination label name in label_replace(): ~invalid");
  EXPECT_EQ(Error("label_replace(m, \"service.name\", \"v\", \"a\", \".*\")"),
            "invalid destination label name in label_replace(): service.name");
  EXPECT_EQ(Error("label_join(m, \"~invalid\", \",\", \"a\")"),
            "invalid destination label name in label_join(): ~invalid");
  EXPECT_EQ(Error("label_join(m, \"b\", \",\", \"1a\")"), "invalid source label name in label_join(): 1a");
  EXPECT_EQ(Error("count_values(\"a-b\", m)"), "invalid label name \"a-b\"");
  EXPECT_EQ(Values("label_replace(m, \"_b9\", \"$1\", \"a\", \"(.*)\")"), V{"m{_b9=\"x\", a=\"x\"}=1"});
}

}  // namespace
}  // namespace overtone::promql
