// Rule queries answered straight from the database (window_query.h): which
// expressions qualify, and the same answers as the PromQL engine, with and
// without standing windows.

#include "adapters/rules/window_query.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <bit>
#include <cmath>
#include <random>

#include "adapters/promql/query.h"
#include "adapters/rules/rule_windows.h"
#include "overtone/sql.h"
#include "tests/support/test_database.h"

namespace overtone::rules {
namespace {

TEST(AsPlainWindowCallTest, TakesOneServedCallOfANamedSelector) {
  auto avg = AsPlainWindowCall("avg_over_time(m{job=\"a\"}[1h])");
  ASSERT_TRUE(avg.has_value());
  EXPECT_EQ(avg->fn, OverTimeFn::kAvg);
  EXPECT_EQ(avg->range, 3'600'000);
  EXPECT_FALSE(avg->keeps_name);
  EXPECT_EQ(avg->matchers, (std::vector<LabelMatcher>{{MatchType::kEqual, "__name__", "m"},
                                                      {MatchType::kEqual, "job", "a"}}));
  auto q = AsPlainWindowCall("(quantile_over_time(0.9, m[5m]))");
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->fn, OverTimeFn::kQuantile);
  EXPECT_EQ(q->param, 0.9);
  EXPECT_TRUE(AsPlainWindowCall("last_over_time(m[5m])")->keeps_name);
  for (const char* other : {
           "avg_over_time({job=\"a\"}[1h])",              // no metric name: names dropped may collide
           "avg_over_time(m[1h] offset 5m)",              // offset
           "avg_over_time(m[1h] @ 100)",                  // fixed window
           "quantile_over_time(NaN, m[5m])",              // the engine's NaN case
           "quantile_over_time(-(0.5), m[5m])",           // not a literal
           "mad_over_time(m[5m])",                        // no standing window for it
           "avg_over_time(m[1h]) > 1",                    // more than the call
           "sum(avg_over_time(m[1h]))",                   //
           "avg_over_time(avg_over_time(m[1m])[5m:1m])",  // subquery
           "rate(m[5m])",                                 //
           "not valid ((",                                //
       }) {
    EXPECT_FALSE(AsPlainWindowCall(other).has_value()) << other;
  }
}

class WindowQueryTest : public overtone::testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(":memory:", &raw), SQLITE_OK);
    conn_.reset(raw);
    ASSERT_TRUE(RegisterSql(raw, db_.get()).ok());
    promql_ = [this](const std::string& expr, int64_t t) {
      return promql::RunInstantQuery(conn_.get(), expr, t);
    };
  }
  void TearDown() override { conn_.reset(); }

  struct Close {
    void operator()(sqlite3* c) const { sqlite3_close(c); }
  };
  std::unique_ptr<sqlite3, Close> conn_;
  QueryFunc promql_;
};

// Every point of `direct` has the labels, timestamp and bits of the engine's.
void ExpectSameAnswer(const Result<promql::QueryResult>& direct, const Result<promql::QueryResult>& engine,
                      const std::string& what) {
  ASSERT_TRUE(engine.ok()) << what << ": " << engine.status().ToString();
  ASSERT_TRUE(direct.ok()) << what << ": " << direct.status().ToString();
  EXPECT_EQ(direct->type, engine->type) << what;
  ASSERT_EQ(direct->series.size(), engine->series.size()) << what;
  for (size_t i = 0; i < engine->series.size(); ++i) {
    const promql::Series& d = direct->series[i];
    const promql::Series& e = engine->series[i];
    EXPECT_EQ(d.labels, e.labels) << what;
    ASSERT_EQ(d.points.size(), 1u) << what;
    ASSERT_EQ(e.points.size(), 1u) << what;
    EXPECT_EQ(d.points[0].ts, e.points[0].ts) << what;
    EXPECT_EQ(std::bit_cast<uint64_t>(d.points[0].value), std::bit_cast<uint64_t>(e.points[0].value))
        << what << ": " << d.points[0].value << " vs " << e.points[0].value;
  }
}

TEST_F(WindowQueryTest, AnswersAsThePromqlEngineWithAndWithoutStandingWindows) {
  const std::vector<std::string> exprs = {"avg_over_time(m[1m])",
                                          "sum_over_time(m{job=~\"a|b\"}[5m])",
                                          "stddev_over_time(m[5m])",
                                          "stdvar_over_time(m[2m])",
                                          "quantile_over_time(0.75, m[5m])",
                                          "quantile_over_time(2, m[1m])",
                                          "min_over_time(m{job=\"a\"}[1m])",
                                          "max_over_time(m[5m])",
                                          "count_over_time(m[5m])",
                                          "last_over_time(m[1m])",
                                          "first_over_time(m[5m])",
                                          "present_over_time(m[30s])",
                                          "sum_over_time(absent_metric[5m])"};
  for (const std::string& e : exprs) ASSERT_TRUE(AsPlainWindowCall(e).has_value()) << e;
  QueryFunc direct = AnswerWindowCallsDirectly(db_.get(), promql_);
  RuleWindows windows(db_.get());
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> value(-1e3, 1e3);
  int64_t t = 1'700'000'000'000;
  for (int round = 0; round < 50; ++round) {
    if (round == 25) windows.Replace(StandingWindowsOf(exprs));  // the second half from windows
    WriteBatch batch;
    for (int s = 0; s < 5; ++s) {
      Labels l{{"__name__", s == 4 ? "other" : "m"}, {"job", s % 2 ? "a" : "b"}, {"i", std::to_string(s)}};
      int64_t ts = t - std::uniform_int_distribution<int64_t>(0, 20'000)(rng);
      double v = value(rng);
      int kind = std::uniform_int_distribution<int>(0, 19)(rng);
      if (kind == 0) v = std::nan("");
      if (kind == 1) v = StaleNaN();
      if (kind == 2) v = std::round(v);
      batch.Add(l, ts, v);
    }
    ASSERT_TRUE(db_->Write(batch).ok());
    for (const std::string& e : exprs) {
      ExpectSameAnswer(direct(e, t), promql_(e, t), e + " at round " + std::to_string(round));
    }
    t += 15'000;
  }
  EXPECT_GT(db_->GetStats().standing_evaluations, 0u);
}

TEST_F(WindowQueryTest, OtherExpressionsGoToThePromqlEngine) {
  WriteBatch batch;
  batch.Add({{"__name__", "m"}, {"job", "a"}}, 1000, 2);
  ASSERT_TRUE(db_->Write(batch).ok());
  QueryFunc direct = AnswerWindowCallsDirectly(db_.get(), promql_);
  for (const std::string e : {"avg_over_time(m[1m]) * 2", "avg_over_time({job=\"a\"}[1m])", "m"}) {
    auto r = direct(e, 2000);
    ASSERT_TRUE(r.ok()) << e;
    EXPECT_FALSE(r->sql.empty()) << e << ": the engine's answer carries its SQL";
    ExpectSameAnswer(r, promql_(e, 2000), e);
  }
  EXPECT_FALSE(direct("bad ((", 2000).ok());
}

}  // namespace
}  // namespace overtone::rules
