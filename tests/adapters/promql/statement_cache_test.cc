// Kept statements (statement_cache.h): the same query shape at other times
// reuses one prepared statement with new bindings and answers exactly as a
// freshly prepared one; the integers of the SQL become parameters, column
// positions excepted; the cache is bounded.

#include "adapters/promql/statement_cache.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "adapters/promql/parser.h"
#include "adapters/promql/query.h"
#include "adapters/promql/translator.h"
#include "overtone/sql.h"
#include "tests/support/test_database.h"

namespace overtone::promql {
namespace {

constexpr int64_t kMin = 60000;

class StatementCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = SqlSession::Open(testing::TestDatabaseOptions(), dir_.path());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    session_ = std::move(*s);
    WriteBatch b;
    for (int i = 0; i < 30; ++i) {
      b.Add({{"__name__", "req_total"}, {"job", "api"}}, i * kMin, 10.0 * i);
      b.Add({{"__name__", "req_total"}, {"job", "web"}}, i * kMin, 3.0 * i * i);
      b.Add({{"__name__", "mem"}, {"job", "api"}}, i * kMin, 100 + i % 7);
    }
    ASSERT_TRUE(session_->db()->Write(b).ok());
  }
  void TearDown() override {
    cache_.Clear();  // before the connection closes
    session_.reset();
  }

  // "labels@ts=value" of every point, in result order.
  static std::vector<std::string> Points(const Result<QueryResult>& r) {
    std::vector<std::string> out;
    if (!r.ok()) return {"error: " + r.status().ToString()};
    for (const Series& s : r->series) {
      for (const Point& p : s.points) {
        out.push_back(LabelsToString(s.labels) + "@" + std::to_string(p.ts) + "=" + FormatValue(p.value));
      }
    }
    return out;
  }

  overtone::testing::TempDir dir_;
  std::unique_ptr<SqlSession> session_;
  StatementCache cache_;
};

TEST_F(StatementCacheTest, OneStatementServesAShapeAtEveryTime) {
  QueryOptions cached;
  cached.statements = &cache_;
  const char* queries[] = {
      "rate(req_total[5m])",     "sum by (job) (rate(req_total[5m] offset 2m))", "mem > 103",
      "req_total / on(job) mem", "avg_over_time(rate(req_total[2m])[6m:1m])",    "time() - 60",
      "topk(1, req_total)",
  };
  const int64_t starts[] = {5 * kMin, 437000, 9 * kMin, 13 * kMin};
  for (const char* q : queries) {
    cache_.Clear();
    for (int64_t start : starts) {
      auto fresh = RunRangeQuery(session_->conn(), q, start, start + 10 * kMin, kMin);
      auto kept = RunRangeQuery(session_->conn(), q, start, start + 10 * kMin, kMin, cached);
      ASSERT_FALSE(Points(fresh).empty()) << q;
      EXPECT_EQ(Points(kept), Points(fresh)) << q << " from " << start;
    }
    EXPECT_EQ(cache_.size(), 1u) << q;  // one statement for all four
    for (int64_t start : starts) {
      auto fresh = RunInstantQuery(session_->conn(), q, start);
      auto kept = RunInstantQuery(session_->conn(), q, start, cached);
      EXPECT_EQ(Points(kept), Points(fresh)) << q << " at " << start;
    }
    // An instant query is a range query of one step: mostly the same shape.
    EXPECT_LE(cache_.size(), 2u) << q;
  }
}

TEST_F(StatementCacheTest, IntegersBecomeParametersButColumnPositionsStay) {
  auto expr = ParseExpr("timestamp(rate(req_total[5m]))");
  ASSERT_TRUE(expr.ok());
  EvalRange range;
  range.start = 1000;
  range.end = 61000;
  range.step = 10000;
  auto t = Translate(**expr, range);
  ASSERT_TRUE(t.ok());
  std::vector<int64_t> integers;
  std::string sql = t->ParameterizedSql(&integers);
  // ?1 is the selector; then, in the order of the text, drop_name's 1, the
  // times and the range, and the product's drop_name.
  EXPECT_NE(sql.find("?2 AS drop_name"), std::string::npos) << sql;
  EXPECT_NE(sql.find("range_function('rate', ?1 /* {__name__=\"req_total\"} */, ?3, ?4, ?5, ?6)"),
            std::string::npos)
      << sql;
  EXPECT_EQ(integers, (std::vector<int64_t>{1, 1000, 61000, 10000, 300000, 1}));

  // Each literal its own parameter; a bare integer in ORDER BY stays a position.
  auto select = std::make_shared<sql::Select>();
  select->columns = {{sql::Bin("+", sql::Col("ts"), sql::Int(5)), "a"}, {sql::Int(5), "b"}};
  select->from = {sql::Table("t")};
  select->order_by = {{sql::Int(2)}};
  std::vector<int64_t> values;
  EXPECT_EQ(sql::PrintParameterized(sql::Statement{.body = select}, 3, &values),
            "SELECT ts + ?3 AS a, ?4 AS b\nFROM t\nORDER BY 2");
  EXPECT_EQ(values, (std::vector<int64_t>{5, 5}));
}

TEST_F(StatementCacheTest, KeepsAtMostItsCapacityDroppingTheLeastRecentlyUsed) {
  StatementCache small(2);
  auto prepare = [&](const std::string& sql) {
    auto st = PrepareTranslation(session_->conn(), sql);
    EXPECT_TRUE(st.ok());
    return small.Put(sql, std::move(*st));
  };
  sqlite3_stmt* one = prepare("SELECT 1");
  prepare("SELECT 2");
  EXPECT_EQ(small.Find("SELECT 1"), one);  // now the most recent
  prepare("SELECT 3");
  EXPECT_EQ(small.size(), 2u);
  EXPECT_EQ(small.Find("SELECT 2"), nullptr);
  EXPECT_EQ(small.Find("SELECT 1"), one);
  EXPECT_NE(small.Find("SELECT 3"), nullptr);
  small.Clear();
}

}  // namespace
}  // namespace overtone::promql
