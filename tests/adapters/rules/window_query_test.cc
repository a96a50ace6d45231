// Rule queries answered straight from the database (window_query.h): which
// expressions qualify, and the same answers as the PromQL engine, with and
// without standing windows.

#include "adapters/rules/window_query.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
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

TEST(AsWindowExprTest, TakesOneAggregationAndNumberOperationsOverACall) {
  auto e = AsWindowExpr("(max without (i) (avg_over_time(m[5m])) * 100) > bool 90");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->call.fn, OverTimeFn::kAvg);
  ASSERT_TRUE(e->aggregation.has_value());
  EXPECT_EQ(e->aggregation->op, promql::AggregateOp::kMax);
  EXPECT_TRUE(e->aggregation->without);
  EXPECT_EQ(e->aggregation->labels, std::vector<std::string>{"i"});
  ASSERT_EQ(e->operations.size(), 2u);  // innermost first
  EXPECT_EQ(e->operations[0].op, promql::BinaryOp::kMul);
  EXPECT_EQ(e->operations[1].op, promql::BinaryOp::kGtr);
  EXPECT_TRUE(e->operations[1].return_bool);
  auto left = AsWindowExpr("1 - sum_over_time(m[1m])");
  ASSERT_TRUE(left.has_value());
  EXPECT_TRUE(left->operations[0].number_left);
  EXPECT_FALSE(left->aggregation.has_value());
  for (const char* other : {
           "sum(avg_over_time(m[1h]) * 2)",                  // an operation under the aggregation
           "sum(sum(avg_over_time(m[1h])))",                 // two aggregations
           "topk(2, avg_over_time(m[1h]))",                  // not a fold
           "quantile(0.5, avg_over_time(m[1h]))",            //
           "sum by (__name__) (last_over_time(m[1h]))",      // the name kept
           "avg_over_time(m[1h]) ^ 2",                       // not served
           "avg_over_time(m[1h]) % 2",                       //
           "avg_over_time(m[1h]) > avg_over_time(m[5m])",    // two vectors
           "avg_over_time(m[1h]) and avg_over_time(m[5m])",  //
           "avg_over_time(m[1h]) > scalar(m)",               // not a literal
           "abs(avg_over_time(m[1h]))",                      // a function
           "sum(avg_over_time({job=\"a\"}[1h])) > 1",        // no metric name
       }) {
    EXPECT_FALSE(AsWindowExpr(other).has_value()) << other;
  }
}

// Aggregations and number operations over window calls against the engine,
// on values with NaN, ±Inf, signed zeros, whole numbers and fractions, and
// series without the grouping label.
TEST_F(WindowQueryTest, WindowExpressionsAnswerAsThePromqlEngine) {
  const std::vector<std::string> calls = {"avg_over_time(m[1m])",  "sum_over_time(m[2m])",
                                          "max_over_time(m[1m])",  "stddev_over_time(m[2m])",
                                          "last_over_time(m[1m])", "quantile_over_time(0.5, m[2m])",
                                          "count_over_time(m[1m])"};
  const std::vector<std::string> aggs = {"",
                                         "sum",
                                         "avg by (job)",
                                         "min without (i)",
                                         "max by ()",
                                         "count by (job)",
                                         "group",
                                         "stddev by (job, k)",
                                         "stdvar"};
  const std::vector<std::pair<std::string, std::string>> ops = {
      {"", ""},       {"", " > 0.5"},     {"", " * 100"},   {"100 - ", ""},      {"", " / 0"},
      {"", " != 2"},  {"", " >= bool 0"}, {"-3.25 < ", ""}, {"(", " * 3) > 10"}, {"0 == bool ", ""},
      {"", " - 0.1"}, {"1e308 * ", ""},   {"", " <= -0"},   {"2 / ", ""}};
  std::vector<std::string> exprs;
  for (size_t i = 0; i < calls.size() * aggs.size(); ++i) {
    std::string e = calls[i % calls.size()];
    const std::string& agg = aggs[i / calls.size()];
    if (!agg.empty()) e = agg + " (" + e + ")";
    const auto& [pre, post] = ops[i % ops.size()];
    exprs.push_back(pre + e + post);
  }
  for (const std::string& e : exprs) ASSERT_TRUE(AsWindowExpr(e).has_value()) << e;
  QueryFunc direct = AnswerWindowCallsDirectly(db_.get(), promql_);
  RuleWindows windows(db_.get());
  std::mt19937_64 rng(29);
  int64_t t = 1'700'000'000'000;
  for (int round = 0; round < 30; ++round) {
    if (round == 15) windows.Replace(StandingWindowsOf(exprs));
    WriteBatch batch;
    for (int s = 0; s < 9; ++s) {
      Labels l{{"__name__", "m"}, {"i", std::to_string(s)}};
      if (s % 3 != 0) l.push_back({"job", s % 3 == 1 ? "a" : "b"});
      if (s % 4 == 0) l.push_back({"k", "x"});
      std::sort(l.begin(), l.end(), [](const Label& a, const Label& b) { return a.name < b.name; });
      double v = std::uniform_real_distribution<double>(-10, 10)(rng);
      switch (std::uniform_int_distribution<int>(0, 12)(rng)) {
        case 0: v = std::nan(""); break;
        case 1: v = std::numeric_limits<double>::infinity(); break;
        case 2: v = -0.0; break;
        case 3: v = 0.0; break;
        case 4: v = std::round(v); break;
        case 5: v = std::round(v * 10) / 10; break;
        default: break;
      }
      batch.Add(l, t - std::uniform_int_distribution<int64_t>(0, 10'000)(rng), v);
    }
    ASSERT_TRUE(db_->Write(batch).ok());
    for (const std::string& e : exprs) {
      auto d = direct(e, t);
      ASSERT_TRUE(d.ok()) << e;
      EXPECT_TRUE(d->sql.empty()) << e << ": answered directly";
      ExpectSameAnswer(d, promql_(e, t), e + " at round " + std::to_string(round));
    }
    t += 15'000;
  }
}

TEST_F(WindowQueryTest, OtherExpressionsGoToThePromqlEngine) {
  WriteBatch batch;
  batch.Add({{"__name__", "m"}, {"job", "a"}}, 1000, 2);
  ASSERT_TRUE(db_->Write(batch).ok());
  QueryFunc direct = AnswerWindowCallsDirectly(db_.get(), promql_);
  for (const std::string e :
       {"avg_over_time(m[1m]) ^ 2", "sum(avg_over_time(m[1m]) * 2)", "avg_over_time({job=\"a\"}[1m])", "m"}) {
    auto r = direct(e, 2000);
    ASSERT_TRUE(r.ok()) << e;
    EXPECT_FALSE(r->sql.empty()) << e << ": the engine's answer carries its SQL";
    ExpectSameAnswer(r, promql_(e, 2000), e);
  }
  EXPECT_FALSE(direct("bad ((", 2000).ok());
}

}  // namespace
}  // namespace overtone::rules
