// PromQL evaluated through SQL on small datasets: selectors with lookback
// and staleness, range functions, operators, aggregations, and the
// table-valued functions used directly from SQL.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "adapters/promql/query.h"
#include "overtone/sql.h"
#include "tests/adapters/promql/answer_bits.h"
#include "tests/support/test_database.h"

namespace overtone::promql {
namespace {

constexpr int64_t kMin = 60000;

class EvalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = SqlSession::Open(testing::TestDatabaseOptions(), dir_.path());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    session_ = std::move(*s);
    WriteBatch b;
    // A counter with a reset, one sample a minute for 10 minutes.
    double counter[] = {0, 10, 20, 30, 5, 15, 25, 35, 45, 55};
    for (int i = 0; i < 10; ++i) {
      b.Add({{"__name__", "req_total"}, {"job", "api"}, {"instance", "a"}}, i * kMin, counter[i]);
      b.Add({{"__name__", "req_total"}, {"job", "api"}, {"instance", "b"}}, i * kMin, 2.0 * i);
      b.Add({{"__name__", "req_total"}, {"job", "web"}, {"instance", "c"}}, i * kMin, 100);
    }
    // A gauge that goes stale at 3m.
    b.Add({{"__name__", "temp"}, {"room", "x"}}, 0, 20);
    b.Add({{"__name__", "temp"}, {"room", "x"}}, 2 * kMin, 21);
    b.Add({{"__name__", "temp"}, {"room", "x"}}, 3 * kMin, StaleNaN());
    b.Add({{"__name__", "temp"}, {"room", "y"}}, 0, std::nan(""));
    ASSERT_TRUE(session_->db()->Write(b).ok());
  }

  // Two `edge` series, a point a minute: ±Inf, 0, -0, NaN, 1e308 and
  // plain values, the second in the opposite order.
  void WriteEdgeSeries() {
    WriteBatch b;
    const double edge[] = {INFINITY, -INFINITY, 0, -1.5, std::nan(""), 7, -0.0, 1e308, 3, 90.5};
    for (int i = 0; i < 10; ++i) {
      b.Add({{"__name__", "edge"}, {"k", "v"}}, i * kMin, edge[i]);
      b.Add({{"__name__", "edge"}, {"k", "w"}}, i * kMin, edge[9 - i]);
    }
    ASSERT_TRUE(session_->db()->Write(b).ok());
  }

  QueryResult Instant(std::string_view q, int64_t t) {
    auto r = RunInstantQuery(session_->conn(), q, t);
    EXPECT_TRUE(r.ok()) << q << ": " << r.status().ToString();
    return r.ok() ? *r : QueryResult{};
  }

  // "labels=value" per series, in result order.
  std::vector<std::string> Values(std::string_view q, int64_t t) {
    std::vector<std::string> out;
    for (const Series& s : Instant(q, t).series) {
      out.push_back(LabelsToString(s.labels) + "=" + FormatValue(s.points[0].value));
    }
    return out;
  }

  // The query `q`, whose root vector_series() answers, against the same
  // expression under an identity label_replace(), which takes the row path:
  // the same series, names and points, bit for bit, instant and range.
  // `table`: the table function the packed path reads.
  void ExpectPackedAnswersAsTheRowPath(const std::string& q, bool nonempty,
                                       const std::string& table = "vector_series(") {
    SCOPED_TRACE(q);
    std::string identity = "label_replace(" + q + ", \"nolabel\", \"\", \"nolabel\", \"\")";
    for (bool range : {false, true}) {
      auto packed = range ? RunRangeQuery(session_->conn(), q, 0, 12 * kMin, 30000)
                          : RunInstantQuery(session_->conn(), q, 4 * kMin);
      auto rows = range ? RunRangeQuery(session_->conn(), identity, 0, 12 * kMin, 30000)
                        : RunInstantQuery(session_->conn(), identity, 4 * kMin);
      ASSERT_TRUE(packed.ok()) << packed.status().ToString();
      ASSERT_TRUE(rows.ok()) << rows.status().ToString();
      EXPECT_NE(packed->sql.find(table), std::string::npos) << packed->sql;
      EXPECT_EQ(rows->sql.find(table), std::string::npos) << rows->sql;
      EXPECT_EQ(packed->type, rows->type);
      if (nonempty) {
        EXPECT_FALSE(packed->series.empty());
      }
      EXPECT_EQ(testing::AnswerBits(*packed), testing::AnswerBits(*rows));
    }
  }

  overtone::testing::TempDir dir_;
  std::unique_ptr<SqlSession> session_;
};

using V = std::vector<std::string>;

TEST_F(EvalTest, SelectorLookbackAndStaleness) {
  EXPECT_EQ(Values("temp", 150000), (V{"temp{room=\"x\"}=21", "temp{room=\"y\"}=NaN"}));
  // The staleness marker at 3m ends room x's presence; y's last sample is
  // more than 5m old at 6m.
  EXPECT_EQ(Values("temp", 3 * kMin), (V{"temp{room=\"y\"}=NaN"}));
  EXPECT_EQ(Values("temp", 6 * kMin), V{});
  EXPECT_EQ(Values("temp offset 2m", 4 * kMin), (V{"temp{room=\"x\"}=21", "temp{room=\"y\"}=NaN"}));
  EXPECT_EQ(Values("temp{room=\"x\"} @ 60", 9 * kMin), (V{"temp{room=\"x\"}=20"}));
}

TEST_F(EvalTest, RangeFunctions) {
  EXPECT_EQ(Values("resets(req_total[10m])", 9 * kMin),
            (V{"{instance=\"a\", job=\"api\"}=1", "{instance=\"b\", job=\"api\"}=0",
               "{instance=\"c\", job=\"web\"}=0"}));
  // increase across the reset: 55 - 0 + 30 (the value before the drop);
  // not extrapolated below the counter's zero at the first sample.
  auto inc = Instant("increase(req_total{instance=\"a\"}[10m])", 9 * kMin);
  ASSERT_EQ(inc.series.size(), 1u);
  EXPECT_DOUBLE_EQ(inc.series[0].points[0].value, 85);
  EXPECT_EQ(Values("irate(req_total{instance=\"b\"}[5m])", 9 * kMin),
            (V{"{instance=\"b\", job=\"api\"}=0.03333333333333333"}));
  EXPECT_EQ(Values("last_over_time(req_total{instance=\"c\"}[5m])", 9 * kMin),
            (V{"req_total{instance=\"c\", job=\"web\"}=100"}));
}

TEST_F(EvalTest, AggregationsAndOperators) {
  EXPECT_EQ(Values("sum by (job) (req_total)", 9 * kMin), (V{"{job=\"api\"}=73", "{job=\"web\"}=100"}));
  EXPECT_EQ(Values("count without (instance) (req_total)", 9 * kMin),
            (V{"{job=\"api\"}=2", "{job=\"web\"}=1"}));
  EXPECT_EQ(Values("topk(1, req_total)", 9 * kMin), (V{"req_total{instance=\"c\", job=\"web\"}=100"}));
  EXPECT_EQ(Values("req_total > 50", 9 * kMin),
            (V{"req_total{instance=\"a\", job=\"api\"}=55", "req_total{instance=\"c\", job=\"web\"}=100"}));
  EXPECT_EQ(Values("req_total{job=\"web\"} / 0", 0), (V{"{instance=\"c\", job=\"web\"}=+Inf"}));
  EXPECT_EQ(Values("req_total{instance=\"a\"} - on(job) group_left req_total{instance=\"b\"}", 9 * kMin),
            (V{"{instance=\"a\", job=\"api\"}=37"}));
  EXPECT_EQ(Values("req_total{job=\"web\"} or temp", kMin),
            (V{"req_total{instance=\"c\", job=\"web\"}=100", "temp{room=\"x\"}=20", "temp{room=\"y\"}=NaN"}));
  EXPECT_EQ(Values("label_replace(temp, \"where\", \"room-$1\", \"room\", \"(.*)\")", kMin),
            (V{"temp{room=\"x\", where=\"room-x\"}=20", "temp{room=\"y\", where=\"room-y\"}=NaN"}));
  auto s = Instant("scalar(req_total{instance=\"c\"}) + 1", 0);
  EXPECT_EQ(s.type, ValueType::kScalar);
  EXPECT_EQ(s.scalar.value, 101);
}

TEST_F(EvalTest, Subqueries) {
  // rate() of b is 2 per minute everywhere; a's reset shows in the maximum.
  EXPECT_EQ(Values("max_over_time(rate(req_total{job=\"api\"}[2m])[5m:1m])", 9 * kMin),
            (V{"{instance=\"a\", job=\"api\"}=0.16666666666666666",
               "{instance=\"b\", job=\"api\"}=0.03333333333333333"}));
  EXPECT_EQ(Values("count_over_time(req_total{instance=\"c\"}[3m:1m])", 9 * kMin),
            (V{"{instance=\"c\", job=\"web\"}=3"}));
}

TEST_F(EvalTest, ErrorsKeepPrometheusCategories) {
  auto dup = RunInstantQuery(session_->conn(), "req_total + on(job) req_total", 0);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().code(), Status::Code::kAborted);
  EXPECT_NE(dup.status().message().find("many-to-many matching not allowed"), std::string::npos);
  auto parse = RunInstantQuery(session_->conn(), "sum(", 0);
  EXPECT_EQ(parse.status().code(), Status::Code::kInvalidArgument);
  auto unsupported = RunInstantQuery(session_->conn(), "info(x)", 0);
  EXPECT_EQ(unsupported.status().code(), Status::Code::kNotSupported);
  auto too_many = RunRangeQuery(session_->conn(), "temp", 0, 20000000, 1);
  EXPECT_EQ(too_many.status().code(), Status::Code::kInvalidArgument);
}

// Found by fuzz_promql_parser (fuzz/corpus/promql_parser/crash-nul-in-string):
// a NUL byte in a PromQL string ended the translated SQL early, so the
// query failed with an internal error instead of returning the string.
TEST_F(EvalTest, FuzzStringsMayHoldNulBytes) {
  const char kQuery[] =
      "\"ye]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]ar\0\tring\"";
  std::string query(kQuery, sizeof kQuery - 1);
  QueryResult r = Instant(query, 0);
  EXPECT_EQ(r.type, ValueType::kString);
  EXPECT_EQ(r.string_value, query.substr(1, query.size() - 2));
  EXPECT_EQ(Instant("\"a\\x00b\"", 0).string_value, std::string("a\0b", 3));
  EXPECT_TRUE(Instant("req_total{job=\"a\\x00b\"}", 9 * kMin).series.empty());
}

// Found by fuzz_promql_parser (fuzz/corpus/promql_parser/crash-double-minus-comment):
// a negation of a negation was written to SQL as "--x", which SQLite reads
// as a comment, so the statement did not prepare (an internal error).
TEST_F(EvalTest, FuzzDoubleNegationIsNotAnSqlComment) {
  const char kQuery[] = "count_v----------------------from--- time()";
  auto r = RunInstantQuery(session_->conn(), kQuery, 9 * kMin);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Values("- -req_total{instance=\"c\"}", 9 * kMin), (V{"{instance=\"c\", job=\"web\"}=100"}));
  EXPECT_EQ(Instant("-(-1.5)", 0).scalar.value, 1.5);
}

// Negation flips the sign bit, as Prometheus's does: -x of a 0 sample is
// -0 (written "-0" in an answer) and of a -0 sample 0. SQLite's own unary
// minus (0 - x) gave +0 for both.
TEST_F(EvalTest, NegationOfZeroIsNegativeZero) {
  WriteBatch b;
  b.Add({{"__name__", "zero"}, {"sign", "plus"}}, 0, 0.0);
  b.Add({{"__name__", "zero"}, {"sign", "minus"}}, 0, -0.0);
  ASSERT_TRUE(session_->db()->Write(b).ok());
  QueryResult r = Instant("-zero", kMin);
  ASSERT_EQ(r.series.size(), 2u);
  for (const Series& s : r.series) {
    ASSERT_EQ(s.points.size(), 1u);
    const bool was_plus = LabelsToString(s.labels).find("plus") != std::string::npos;
    EXPECT_EQ(s.points[0].value, 0.0);
    EXPECT_EQ(std::signbit(s.points[0].value), was_plus) << LabelsToString(s.labels);
  }
  EXPECT_TRUE(std::signbit(Instant("-scalar(zero{sign=\"plus\"})", kMin).scalar.value));
  EXPECT_FALSE(std::signbit(Instant("-scalar(zero{sign=\"minus\"})", kMin).scalar.value));
  EXPECT_EQ(Values("- -zero{sign=\"minus\"}", kMin).size(), 1u);
  EXPECT_TRUE(std::signbit(Instant("- -zero{sign=\"minus\"}", kMin).series.at(0).points.at(0).value));
}

// Found by fuzz_promql_parser (fuzz/corpus/promql_parser/crash-sqlite-parser-stack):
// a hundred signs in a row once translated to SQL deeper than SQLite's
// parser stack (100). A negation is now a product, which SQLite parses
// flat, so such a query answers; what is still too deep for SQLite (a
// long right-nested power of scalars, nested calls in SQL) is NotSupported,
// not an internal error.
TEST_F(EvalTest, FuzzQueriesTooDeepForSqliteAreNotSupported) {
  const char kQuery[] =
      "cout_v----nt_v---------------- "
      "--------------------------------------------------------------------------------time()";
  auto signs = RunInstantQuery(session_->conn(), kQuery, 9 * kMin);
  ASSERT_TRUE(signs.ok()) << signs.status().ToString();
  EXPECT_TRUE(signs->series.empty());  // no cout_v here
  // 95 signs on a scalar: an odd count negates.
  std::string negated(95, '-');
  EXPECT_EQ(Instant(negated + "time()", 9 * kMin).scalar.value, -540.0);
  std::string power = "time()";
  for (int i = 0; i < 100; ++i) power += " ^ time()";
  auto deep = RunInstantQuery(session_->conn(), power, 9 * kMin);
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.status().code(), Status::Code::kNotSupported) << deep.status().ToString();
}

// Each vector/vector operator is one vector_match() call, not a join: a
// long chain of them stays within SQLite's limits.
TEST_F(EvalTest, LongChainsOfVectorOperatorsRun) {
  std::string chain = "1";
  for (int i = 0; i < 250; ++i) chain += " + req_total";
  auto r = RunInstantQuery(session_->conn(), chain, 9 * kMin);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto one = Instant("req_total", 9 * kMin);
  ASSERT_EQ(r->series.size(), one.series.size());
  for (size_t i = 0; i < one.series.size(); ++i) {
    EXPECT_EQ(r->series[i].points[0].value, 1 + 250 * one.series[i].points[0].value);
  }
}

// Subqueries go through subquery_window() unless a parameter varies by step
// or `@` fixes the window; `@ t` at t is the same window, so both ways must
// give the same answer.
TEST_F(EvalTest, SubqueryWindowsAgreeWithTheJoinedWindows) {
  const char* calls[] = {"avg_over_time(rate(req_total[2m])[5m:1m]{AT})",
                         "max_over_time(req_total[4m:30s]{AT})",
                         "quantile_over_time(0.3, req_total[5m:1m]{AT})",
                         "rate(req_total[5m:1m]{AT})",
                         "deriv(sum by (job) (req_total)[6m:2m]{AT})",
                         "last_over_time(req_total[3m:1m] offset 1m{AT})",
                         "count_over_time(temp[10m:1m]{AT})",
                         "absent_over_time(req_total{job=\"none\"}[5m:1m]{AT})"};
  for (const char* call : calls) {
    for (int64_t t : {4 * kMin, 9 * kMin}) {
      std::string q = call, at = q;
      q.replace(q.find("{AT}"), 4, "");
      at.replace(at.find("{AT}"), 4, " @ " + std::to_string(t / 1000));
      EXPECT_EQ(Values(q, t), Values(at, t)) << q << " at " << t;
      EXPECT_FALSE(Values(q, t).empty() && std::string(call).find("absent") == std::string::npos) << q;
    }
  }
}

// A function of a subquery at the root comes from subquery_window_series()
// a series a row; under an identity label_replace() the same expression
// goes through subquery_window()'s rows. Same series, names and points, bit
// for bit: inner steps that do not fall on the outer ones, `offset` and `@`
// inside and outside, staleness and NaN, empty inner results, a range
// shorter than the step, nesting, parameters, operations with a number.
TEST_F(EvalTest, RootSubqueryFunctionsAnswerAsTheRowPath) {
  for (const char* q : {"rate(req_total[5m:1m])",
                        "rate(req_total[4m:45s])",
                        "increase(req_total[3m:20s] offset 1m)",
                        "max_over_time(req_total[4m:1m] offset 2m)",
                        "avg_over_time(rate(req_total[2m] offset 1m)[5m:1m])",
                        "max_over_time((req_total @ 240)[5m:1m])",
                        "sum_over_time(rate(req_total[2m] @ 300)[3m:30s] offset 30s)",
                        "last_over_time(req_total[3m:1m])",
                        "first_over_time(rate(req_total[2m])[3m:1m])",
                        "last_over_time(temp[5m:1m])",
                        "count_over_time(temp[10m:30s])",
                        "max_over_time(temp[3m:30s])",
                        "stddev_over_time(temp[4m:1m])",
                        "max_over_time(req_total[30s:1m])",
                        "min_over_time(max_over_time(req_total[2m:30s])[5m:1m])",
                        "deriv(sum by (job) (req_total)[6m:2m])",
                        "quantile_over_time(0.3, req_total[5m:1m])",
                        "quantile_over_time(-1, req_total[5m:1m])",
                        "predict_linear(req_total[5m:1m], 60)",
                        "rate(req_total[5m:1m]) * 60 > bool 1",
                        "last_over_time(req_total[3m:1m]) < 40",
                        "100 * max_over_time(temp[5m:1m]) >= 2100"}) {
    ExpectPackedAnswersAsTheRowPath(q, /*nonempty=*/true, "subquery_window_series(");
  }
  for (const char* q : {"max_over_time(nonexistent[5m:1m])", "rate(req_total{job=\"none\"}[5m:1m])",
                        "max_over_time(req_total[5m:1m] offset 1h)", "rate(req_total[5m:1m]) > 1e9",
                        "rate(req_total[1m:2m])"}) {
    ExpectPackedAnswersAsTheRowPath(q, /*nonempty=*/false, "subquery_window_series(");
    auto r = RunRangeQuery(session_->conn(), q, 0, 12 * kMin, 30000);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE(r->series.empty()) << q;
  }
}

// Series whose names the function drops collide as on the row path.
TEST_F(EvalTest, RootSubqueryFunctionsWhoseSeriesCollide) {
  WriteBatch b;
  for (int i = 0; i < 10; ++i) {
    b.Add({{"__name__", "other_total"}, {"job", "api"}, {"instance", "a"}}, i * kMin, i);
  }
  ASSERT_TRUE(session_->db()->Write(b).ok());
  const std::string q = "max_over_time({__name__=~\"req_total|other_total\", instance=\"a\"}[3m:1m])";
  for (const std::string& e : {q, "label_replace(" + q + ", \"nolabel\", \"\", \"nolabel\", \"\")"}) {
    auto r = RunRangeQuery(session_->conn(), e, 5 * kMin, 9 * kMin, kMin);
    ASSERT_FALSE(r.ok()) << e;
    EXPECT_EQ(r.status().code(), Status::Code::kAborted) << e;
  }
  // last_over_time keeps the names: two series.
  auto kept = RunRangeQuery(session_->conn(),
                            "last_over_time({__name__=~\"req_total|other_total\", instance=\"a\"}[3m:1m])",
                            5 * kMin, 9 * kMin, kMin);
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  EXPECT_EQ(kept->series.size(), 2u);
}

TEST_F(EvalTest, RangeQueryIsAnInstantQueryPerStep) {
  auto r = RunRangeQuery(session_->conn(), "sum(req_total)", 0, 2 * kMin, kMin);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->type, ValueType::kMatrix);
  ASSERT_EQ(r->series.size(), 1u);
  ASSERT_EQ(r->series[0].points.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    auto at = Instant("sum(req_total)", i * kMin);
    EXPECT_EQ(r->series[0].points[i].ts, i * kMin);
    EXPECT_EQ(r->series[0].points[i].value, at.series[0].points[0].value);
  }
}

// A selector, range function or `*_over_time` function at the root comes
// from vector_series() a series at a time; the same expression under an
// identity label_replace() goes the row path. Both must give the same
// series, names and points, bit for bit (NaN, staleness and offsets too).
TEST_F(EvalTest, RootSourcesAnswerAsTheRowPath) {
  for (const char* q :
       {"temp", "temp offset 2m", "req_total{job=\"api\"}", "rate(req_total[5m])", "irate(req_total[3m])",
        "increase(req_total[5m] offset 1m)", "resets(req_total[10m])", "deriv(temp[5m])",
        "predict_linear(req_total[5m], 60)", "avg_over_time(temp[3m])", "last_over_time(req_total[2m])",
        "max_over_time(temp[5m] offset 1m)", "quantile_over_time(0.5, req_total[5m])",
        "count_over_time({__name__=~\"req_total|temp\"}[3m])"}) {
    ExpectPackedAnswersAsTheRowPath(q, /*nonempty=*/true);
  }
}

// Operations with a number on top of a root source are applied to the
// packed points; under an identity label_replace() the same expression
// goes the row path. Same series, names and points, bit for bit: NaN,
// ±Inf, staleness, filters that empty a series, the number on the left.
TEST_F(EvalTest, RootSourceWithNumberOperationsAnswersAsTheRowPath) {
  WriteEdgeSeries();
  for (const char* q : {"temp > 20",
                        "temp != 21",
                        "20 < temp",
                        "temp == NaN",
                        "temp != NaN",
                        "temp * 2",
                        "temp / 0",
                        "-1 / temp",
                        "temp > bool 20",
                        "req_total % 7",
                        "2 ^ req_total{instance=\"b\"}",
                        "req_total > 10 < 50",
                        "(req_total + 1) > 30",
                        "req_total > 1000",
                        "rate(req_total[5m]) * 60 > bool 1",
                        "100 * rate(req_total[5m] offset 1m) >= 5",
                        "last_over_time(req_total[2m]) < 40",
                        "count_over_time({__name__=~\"req_total|temp\"}[3m]) > 2",
                        "max_over_time(temp[5m]) >= 21",
                        "edge > 0",
                        "edge == Inf",
                        "edge == -Inf",
                        "edge != NaN",
                        "edge * 0",
                        "edge - Inf",
                        "edge + -Inf",
                        "edge > bool -Inf",
                        "edge atan2 1",
                        "-1 atan2 edge",
                        "edge % -2",
                        "0 / edge",
                        "edge / 2^30",
                        "edge * 1e10 < Inf",
                        "0 - edge",
                        "edge == 0",
                        "edge ^ 0.5 > 1"}) {
    ExpectPackedAnswersAsTheRowPath(q, /*nonempty=*/false);
  }
  // Filters that leave nothing: no series at all.
  auto none = RunRangeQuery(session_->conn(), "req_total > 1000", 0, 12 * kMin, 30000);
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_TRUE(none->series.empty());
  // A filter keeps the name and the vector's value, also on the right.
  EXPECT_EQ(Values("30 < req_total", 9 * kMin),
            (V{"req_total{instance=\"a\", job=\"api\"}=55", "req_total{instance=\"c\", job=\"web\"}=100"}));
  EXPECT_EQ(Values("req_total{instance=\"c\"} / 2^2 > bool 20", 9 * kMin),
            (V{"{instance=\"c\", job=\"web\"}=1"}));
}

// The functions of one value over a root source, a
// vector matching or a function of a subquery are applied to the packed
// points; under an identity label_replace() the same expression goes the
// row path (prom_sqrt() and the others). Bit for bit: NaN, ±Inf, -0,
// staleness, clamp with max below min (no output), round to 0.
TEST_F(EvalTest, RootSourceUnderValueFunctionsAnswersAsTheRowPath) {
  WriteEdgeSeries();
  for (const char* q : {"sqrt(edge)",
                        "abs(edge)",
                        "+edge * 2",
                        "ceil(edge / 3)",
                        "floor(edge)",
                        "exp(edge)",
                        "ln(edge)",
                        "log2(edge)",
                        "log10(edge)",
                        "sgn(edge)",
                        "sin(edge)",
                        "deg(edge)",
                        "round(edge)",
                        "round(edge, 0.5)",
                        "round(edge / 7, 1e-3)",
                        "round(edge, 0)",
                        "clamp(edge, -1, 5)",
                        "clamp(edge, NaN, 1)",
                        "clamp_min(edge, 0)",
                        "clamp_max(edge, -Inf)",
                        "+sqrt(edge) * 2 > 3",
                        "abs(+temp)",
                        "sqrt(temp offset 1m)",
                        "sqrt(rate(req_total[5m]))",
                        "ln(max_over_time(temp[5m]))",
                        "round(last_over_time(req_total[3m:1m]), 10)",
                        "clamp(edge, 5, -1)"}) {
    bool empty = std::string(q) == "clamp(edge, 5, -1)";
    const char* table =
        std::string(q).find(":1m]") != std::string::npos ? "subquery_window_series(" : "vector_series(";
    ExpectPackedAnswersAsTheRowPath(q, /*nonempty=*/!empty, table);
  }
  ExpectPackedAnswersAsTheRowPath("abs(edge - on(k) edge offset 1m)", /*nonempty=*/true,
                                  "vector_match_series(");
  // clamp with max below min: no series at all.
  auto none = RunRangeQuery(session_->conn(), "clamp(edge, 5, -1)", 0, 12 * kMin, 30000);
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_TRUE(none->series.empty());
}

// Arithmetic drops the names of a packed root's series: two series that
// then have the same labels at a step fail as on the row path; a filter
// that leaves one of them no points at those steps does not.
TEST_F(EvalTest, RootSourceWithNumberOperationsWhoseSeriesCollide) {
  WriteBatch b;
  for (int i = 0; i < 10; ++i) {
    b.Add({{"__name__", "other_total"}, {"job", "api"}, {"instance", "a"}}, i * kMin, i);
  }
  ASSERT_TRUE(session_->db()->Write(b).ok());
  const std::string both = "{__name__=~\"req_total|other_total\", instance=\"a\"}";
  for (const std::string& q : {both + " * 2", "2 * " + both + " > bool 1"}) {
    SCOPED_TRACE(q);
    auto r = RunRangeQuery(session_->conn(), q, 5 * kMin, 9 * kMin, kMin);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Status::Code::kAborted);
    EXPECT_EQ(r.status().message(), "vector cannot contain metrics with the same labelset");
  }
  // other_total never exceeds 9: only req_total's points are left.
  for (const std::string& q : {"(" + both + " > 9) * 2", both + " > 9"}) {
    SCOPED_TRACE(q);
    auto r = RunRangeQuery(session_->conn(), q, 5 * kMin, 9 * kMin, kMin);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    auto rows =
        RunRangeQuery(session_->conn(), "label_replace(" + q + ", \"nolabel\", \"\", \"nolabel\", \"\")",
                      5 * kMin, 9 * kMin, kMin);
    ASSERT_TRUE(rows.ok()) << rows.status().ToString();
    ASSERT_EQ(r->series.size(), 1u);
    ASSERT_EQ(rows->series.size(), 1u);
    EXPECT_EQ(LabelsToString(r->series[0].labels), LabelsToString(rows->series[0].labels));
    ASSERT_EQ(r->series[0].points.size(), rows->series[0].points.size());
    for (size_t i = 0; i < r->series[0].points.size(); ++i) {
      EXPECT_EQ(r->series[0].points[i].ts, rows->series[0].points[i].ts);
      EXPECT_EQ(r->series[0].points[i].value, rows->series[0].points[i].value);
    }
  }
}

// Operands of vector matching that are sources come packed from
// vector_source(); the same operands under an identity label_replace() are
// packed from their rows. Same answers.
TEST_F(EvalTest, PackedSourceOperandsAnswerAsTheRowPath) {
  auto identity = [](const std::string& q) {
    return "label_replace(" + q + ", \"nolabel\", \"\", \"nolabel\", \"\")";
  };
  struct Case {
    std::string lhs, op, rhs;
  };
  const Case cases[] = {
      {"rate(req_total[5m])", " / ", "irate(req_total[5m])"},
      {"req_total", " - on(job) group_left ", "max_over_time(req_total{instance=\"b\"}[3m])"},
      {"temp", " > bool ", "avg_over_time(temp[5m] offset 1m)"},
      {"req_total", " and ", "delta(req_total[2m]) > 0"},
      {"temp", " or ", "temp offset 3m"},
  };
  for (const Case& c : cases) {
    std::string q = c.lhs + c.op + c.rhs, rows_q = identity(c.lhs) + c.op + identity(c.rhs);
    SCOPED_TRACE(q);
    for (bool range : {false, true}) {
      auto packed = range ? RunRangeQuery(session_->conn(), q, 0, 12 * kMin, 30000)
                          : RunInstantQuery(session_->conn(), q, 4 * kMin);
      auto rows = range ? RunRangeQuery(session_->conn(), rows_q, 0, 12 * kMin, 30000)
                        : RunInstantQuery(session_->conn(), rows_q, 4 * kMin);
      ASSERT_TRUE(packed.ok()) << packed.status().ToString();
      ASSERT_TRUE(rows.ok()) << rows.status().ToString();
      EXPECT_NE(packed->sql.find("vector_source("), std::string::npos) << packed->sql;
      EXPECT_EQ(rows->sql.find("vector_source("), std::string::npos) << rows->sql;
      ASSERT_EQ(packed->series.size(), rows->series.size());
      for (size_t i = 0; i < rows->series.size(); ++i) {
        EXPECT_EQ(LabelsToString(packed->series[i].labels), LabelsToString(rows->series[i].labels));
        ASSERT_EQ(packed->series[i].points.size(), rows->series[i].points.size());
        for (size_t p = 0; p < rows->series[i].points.size(); ++p) {
          EXPECT_EQ(packed->series[i].points[p].ts, rows->series[i].points[p].ts);
          EXPECT_EQ(FormatValue(packed->series[i].points[p].value),
                    FormatValue(rows->series[i].points[p].value));
        }
      }
    }
  }
}

// Two series whose names the function drops collide: Prometheus's error,
// as on the row path.
TEST_F(EvalTest, RootSourceWhoseSeriesCollideFails) {
  WriteBatch b;
  for (int i = 0; i < 10; ++i) {
    b.Add({{"__name__", "other_total"}, {"job", "api"}, {"instance", "a"}}, i * kMin, i);
  }
  ASSERT_TRUE(session_->db()->Write(b).ok());
  auto r = RunRangeQuery(session_->conn(), "rate({__name__=~\"req_total|other_total\", instance=\"a\"}[5m])",
                         5 * kMin, 9 * kMin, kMin);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kAborted);
  EXPECT_EQ(r.status().message(), "vector cannot contain metrics with the same labelset");
  // last_over_time keeps the names: two series.
  auto kept = RunRangeQuery(session_->conn(),
                            "last_over_time({__name__=~\"req_total|other_total\", instance=\"a\"}[5m])",
                            5 * kMin, 9 * kMin, kMin);
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  EXPECT_EQ(kept->series.size(), 2u);
}

TEST_F(EvalTest, TableValuedFunctionsFromSql) {
  sqlite3_stmt* stmt = nullptr;
  const char* sql =
      "SELECT labels, ts, value FROM range_function('rate', 'req_total{instance=\"b\"}', 540000, 540000, 1, "
      "300000) "
      "UNION ALL SELECT labels, sample_ts, value FROM instant_vector('temp{room=\"x\"}', 150000, 150000, 1)";
  ASSERT_EQ(sqlite3_prepare_v2(session_->conn(), sql, -1, &stmt, nullptr), SQLITE_OK)
      << sqlite3_errmsg(session_->conn());
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)),
               "{\"instance\":\"b\",\"job\":\"api\"}");
  EXPECT_NEAR(sqlite3_column_double(stmt, 2), 2.0 / 60, 1e-12);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int64(stmt, 1), 120000);  // the sample's own time
  EXPECT_EQ(sqlite3_column_double(stmt, 2), 21);
  EXPECT_EQ(sqlite3_step(stmt), SQLITE_DONE);
  sqlite3_finalize(stmt);
}

}  // namespace
}  // namespace overtone::promql
