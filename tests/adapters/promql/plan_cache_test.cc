// Translated plans by shape (plan_cache.h): a query of a shape seen before,
// over a range that starts elsewhere, runs from the kept plan and answers
// exactly as a fresh translation; the integers it computes are the fresh
// translation's; shapes whose translation does not move with the start
// (aligned subqueries, start(), @) translate every time; errors are not
// kept; the cache is bounded.

#include "adapters/promql/plan_cache.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "adapters/promql/parser.h"
#include "adapters/promql/query.h"
#include "adapters/promql/statement_cache.h"
#include "overtone/sql.h"
#include "tests/support/test_database.h"

namespace overtone::promql {
namespace {

constexpr int64_t kMin = 60000;

class PlanCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = SqlSession::Open(testing::TestDatabaseOptions(), dir_.path());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    session_ = std::move(*s);
    WriteBatch b;
    for (int i = 0; i < 40; ++i) {
      b.Add({{"__name__", "req_total"}, {"job", "api"}}, i * kMin + 7000, 10.0 * i);
      b.Add({{"__name__", "req_total"}, {"job", "web"}}, i * kMin + 7000, 3.0 * i * i);
      b.Add({{"__name__", "mem"}, {"job", "api"}}, i * kMin + 7000, 100 + i % 7);
    }
    ASSERT_TRUE(session_->db()->Write(b).ok());
  }
  void TearDown() override {
    statements_.Clear();  // before the connection closes
    session_.reset();
  }

  // "labels@ts=value" of every point, in result order; or the error.
  static std::vector<std::string> Points(const Result<QueryResult>& r) {
    std::vector<std::string> out;
    if (!r.ok()) return {"error: " + r.status().ToString()};
    for (const Series& s : r->series) {
      for (const Point& p : s.points) {
        out.push_back(LabelsToString(s.labels) + "@" + std::to_string(p.ts) + "=" + FormatValue(p.value));
      }
    }
    if (r->type == ValueType::kScalar) out.push_back("scalar=" + FormatValue(r->scalar.value));
    return out;
  }

  static EvalRange Range(int64_t start, int64_t length, int64_t step) {
    EvalRange r;
    r.start = start;
    r.end = start + length;
    r.step = step;
    return r;
  }

  overtone::testing::TempDir dir_;
  std::unique_ptr<SqlSession> session_;
  StatementCache statements_;
  PlanCache plans_;
};

TEST_F(PlanCacheTest, AShapeAtOtherStartsAnswersAsAFreshTranslation) {
  QueryOptions cached;
  cached.statements = &statements_;
  cached.plans = &plans_;
  const char* queries[] = {
      "rate(req_total[5m])",
      "sum by (job) (rate(req_total[5m] offset 2m))",
      "mem > 103",
      "req_total / on(job) mem",
      "avg_over_time(rate(req_total[2m])[6m:1m])",
      "max_over_time(mem[5m:])",
      "time() - 60",
      "topk(1, req_total)",
      "scalar(sum(mem)) * 2",
      "vector(1) + on() group_right mem",
      "req_total @ end()",
      "mem @ 600",
      "label_replace(mem, \"j\", \"$1\", \"job\", \"(.*)\")",
      "sort_desc(req_total)",
      "absent(nothing)",
      "\"a string\"",
      "rate(req_total[5m",
  };
  const int64_t starts[] = {5 * kMin, 437000, 9 * kMin + 1, 13 * kMin, 2 * kMin};
  for (const char* q : queries) {
    for (int64_t start : starts) {
      auto fresh = RunRangeQuery(session_->conn(), q, start, start + 10 * kMin, kMin);
      auto kept = RunRangeQuery(session_->conn(), q, start, start + 10 * kMin, kMin, cached);
      EXPECT_EQ(Points(kept), Points(fresh)) << q << " from " << start;
      fresh = RunInstantQuery(session_->conn(), q, start);
      kept = RunInstantQuery(session_->conn(), q, start, cached);
      EXPECT_EQ(Points(kept), Points(fresh)) << q << " at " << start;
    }
  }
}

TEST_F(PlanCacheTest, KeptIntegersAreTheFreshTranslations) {
  const char* queries[] = {
      "rate(req_total[5m])", "sum by (job) (rate(req_total[5m] offset 2m)) / on(job) mem", "time() - 60",
      "req_total @ end()",  // not kept, but answered
  };
  for (const char* q : queries) {
    auto expr = ParseExpr(q);
    ASSERT_TRUE(expr.ok()) << q;
    for (int64_t start : {int64_t{5 * kMin}, int64_t{437000}, int64_t{1700000000003}, int64_t{-90001}}) {
      EvalRange range = Range(start, 10 * kMin, 15000);
      auto planned = plans_.Plan(q, range);
      ASSERT_TRUE(planned.ok()) << q;
      auto fresh = Translate(**expr, range);
      ASSERT_TRUE(fresh.ok()) << q;
      std::vector<int64_t> integers;
      std::string sql = fresh->ParameterizedSql(&integers);
      if (!planned->plan) continue;  // a shape that translates every time
      EXPECT_EQ(planned->plan->sql, sql) << q;
      EXPECT_EQ(planned->integers, integers) << q << " from " << start;
      EXPECT_EQ(planned->plan->translation.selectors.size(), fresh->selectors.size()) << q;
    }
  }
}

TEST_F(PlanCacheTest, ShapesThatDoNotMoveWithTheStartTranslateEveryTime) {
  auto reused = [&](const char* q) {
    EXPECT_TRUE(plans_.Plan(q, Range(5 * kMin, 10 * kMin, kMin)).ok()) << q;  // learns the shape
    auto again = plans_.Plan(q, Range(6 * kMin + 3, 10 * kMin, kMin));
    EXPECT_TRUE(again.ok()) << q;
    return again.ok() && again->plan != nullptr;
  };
  EXPECT_TRUE(reused("rate(req_total[5m])"));
  EXPECT_TRUE(reused("sum(mem offset 1m)"));
  EXPECT_FALSE(reused("avg_over_time(rate(req_total[2m])[6m:1m])"));  // aligned to the minute
  EXPECT_FALSE(reused("mem @ 600"));
  EXPECT_FALSE(reused("mem @ start()"));
  // A shape is its text and the range's length, step and kind.
  size_t shapes = plans_.size();
  EXPECT_TRUE(plans_.Plan("rate(req_total[5m])", Range(kMin, 20 * kMin, kMin)).ok());
  EXPECT_EQ(plans_.size(), shapes + 1);
}

TEST_F(PlanCacheTest, ErrorsAreNotKept) {
  for (int i = 0; i < 2; ++i) {
    auto planned = plans_.Plan("rate(req_total[5m]", Range(5 * kMin, 10 * kMin, kMin));
    EXPECT_EQ(planned.status().code(), Status::Code::kInvalidArgument);
  }
  EXPECT_EQ(plans_.size(), 0u);
}

TEST_F(PlanCacheTest, KeepsAtMostItsCapacityDroppingTheLeastRecentlyUsed) {
  PlanCache small(2);
  EvalRange range = Range(5 * kMin, 10 * kMin, kMin);
  ASSERT_TRUE(small.Plan("up", range).ok());
  ASSERT_TRUE(small.Plan("mem", range).ok());
  ASSERT_TRUE(small.Plan("up", range).ok());  // now the most recent
  ASSERT_TRUE(small.Plan("req_total", range).ok());
  EXPECT_EQ(small.size(), 2u);
}

}  // namespace
}  // namespace overtone::promql
