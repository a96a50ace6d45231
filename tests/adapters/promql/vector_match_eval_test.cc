// Vector matching at a query's root answered a series a row
// (vector_match_series(), its points packed) against the same expression on
// the row path, and the comment EXPLAIN adds for the operations applied to
// packed points.

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

class VectorMatchEvalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = SqlSession::Open(testing::TestDatabaseOptions(), dir_.path());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    session_ = std::move(*s);
    WriteBatch b;
    // A counter with a reset, a steady one, a constant one.
    double counter[] = {0, 10, 20, 30, 5, 15, 25, 35, 45, 55};
    const double edge[] = {INFINITY, -INFINITY, 0, -1.5, std::nan(""), 7, -0.0, 1e308, 3, 90.5};
    for (int i = 0; i < 10; ++i) {
      b.Add({{"__name__", "req_total"}, {"job", "api"}, {"instance", "a"}}, i * kMin, counter[i]);
      b.Add({{"__name__", "req_total"}, {"job", "api"}, {"instance", "b"}}, i * kMin, 2.0 * i);
      b.Add({{"__name__", "req_total"}, {"job", "web"}, {"instance", "c"}}, i * kMin, 100);
      b.Add({{"__name__", "other_total"}, {"job", "api"}, {"instance", "a"}}, i * kMin, i);
      // One a job, with a label the "many" side lacks.
      b.Add({{"__name__", "job_limit"}, {"job", "api"}, {"owner", "ops"}}, i * kMin, 40 + i);
      b.Add({{"__name__", "job_limit"}, {"job", "web"}, {"owner", "dev"}}, i * kMin, 0);
      b.Add({{"__name__", "edge"}, {"job", "api"}, {"instance", "a"}}, i * kMin, edge[i]);
      b.Add({{"__name__", "edge"}, {"job", "api"}, {"instance", "b"}}, i * kMin, edge[9 - i]);
    }
    // A gauge that goes stale at 3m, and one that is NaN.
    b.Add({{"__name__", "temp"}, {"room", "x"}}, 0, 20);
    b.Add({{"__name__", "temp"}, {"room", "x"}}, 2 * kMin, 21);
    b.Add({{"__name__", "temp"}, {"room", "x"}}, 3 * kMin, StaleNaN());
    b.Add({{"__name__", "temp"}, {"room", "y"}}, 0, std::nan(""));
    b.Add({{"__name__", "temp"}, {"room", "y"}}, 5 * kMin, 19);
    ASSERT_TRUE(session_->db()->Write(b).ok());
  }

  Result<QueryResult> Run(const std::string& q, bool range) {
    return range ? RunRangeQuery(session_->conn(), q, 0, 12 * kMin, 30000)
                 : RunInstantQuery(session_->conn(), q, 4 * kMin);
  }

  // The same expression under an identity label_replace(): its root is no
  // vector matching, so it takes the row path.
  static std::string RowPath(const std::string& q) {
    return "label_replace(" + q + ", \"nolabel\", \"\", \"nolabel\", \"\")";
  }

  // `q`, whose root is vector matching (with operations with a number on
  // top or not), answers as the row path: the same series, names and
  // points, bit for bit, instant and range.
  void ExpectPackedAnswersAsTheRowPath(const std::string& q, bool nonempty) {
    SCOPED_TRACE(q);
    for (bool range : {false, true}) {
      auto packed = Run(q, range);
      auto rows = Run(RowPath(q), range);
      ASSERT_TRUE(packed.ok()) << packed.status().ToString();
      ASSERT_TRUE(rows.ok()) << RowPath(q) << ": " << rows.status().ToString();
      EXPECT_NE(packed->sql.find("FROM vector_match_series("), std::string::npos) << packed->sql;
      EXPECT_EQ(rows->sql.find("vector_match_series("), std::string::npos) << rows->sql;
      EXPECT_EQ(packed->type, rows->type);
      if (nonempty && range) {
        EXPECT_FALSE(packed->series.empty());
      }
      EXPECT_EQ(testing::AnswerBits(*packed), testing::AnswerBits(*rows));
    }
  }

  overtone::testing::TempDir dir_;
  std::unique_ptr<SqlSession> session_;
};

TEST_F(VectorMatchEvalTest, RootMatchingAnswersAsTheRowPath) {
  for (const char* q : {
           // Arithmetic, one-to-one; NaN from 0/0, ±Inf, -0.
           "rate(req_total[5m]) / irate(req_total[5m])",
           "req_total / req_total",
           "edge - on(job) group_left edge{instance=\"b\"}",
           "edge * on(job, instance) edge",
           "edge ^ edge",
           "edge % edge",
           "edge atan2 req_total",
           // Staleness and a NaN sample.
           "temp + temp",
           "temp - temp offset 1m",
           "temp / on(room) temp",
           // Comparisons, with and without bool; NaN never compares but !=.
           "req_total > req_total offset 1m",
           "req_total >= bool req_total offset 1m",
           "edge != edge",
           "edge == bool edge",
           "temp < bool temp",
           // group_left / group_right with extra labels; on and ignoring.
           "req_total / on(job) group_left(owner) job_limit",
           "req_total > on(job) group_left(owner) job_limit",
           "req_total < bool on(job) group_left job_limit",
           "job_limit - on(job) group_right(owner) req_total",
           "req_total * ignoring(instance, owner) group_left(owner) job_limit",
           // Set operators.
           "req_total and req_total > 20",
           "req_total or temp",
           "req_total or other_total",
           "req_total unless on(instance) req_total{instance=\"a\"}",
           "temp and on() req_total{instance=\"c\"}",
           "edge unless edge > 0",
           // Operands the engine does not give packed.
           "sum by (job) (req_total) / on(job) group_left(owner) job_limit",
           "max by (job) (req_total) - on(job) min by (job) (req_total)",
           "sum(req_total) or vector(1)",
           "label_replace(req_total, \"x\", \"$1\", \"instance\", \"(.*)\") * on(instance, job) req_total",
       }) {
    ExpectPackedAnswersAsTheRowPath(q, /*nonempty=*/true);
  }
}

// Operations with a number on top of the matching are applied to the
// packed points, as on top of a selector at the root.
TEST_F(VectorMatchEvalTest, RootMatchingWithNumberOperationsAnswersAsTheRowPath) {
  for (const char* q : {
           "(req_total / on(job) group_left(owner) job_limit) * 100",
           "100 * (rate(req_total[5m]) / rate(req_total[5m] offset 1m)) > 50",
           "(req_total - req_total offset 1m) > bool 5",
           "(req_total > req_total offset 1m) / 2^2",
           "(edge / edge) != NaN",
           "(edge - edge) == 0",
           "1 / (edge * edge)",
           "(temp or req_total) > 20",
           "(req_total and req_total > 20) < 40",
           "(req_total + req_total) > 1000",
       }) {
    ExpectPackedAnswersAsTheRowPath(q, /*nonempty=*/false);
  }
}

// Names dropped at the end make two series of the matching the same: both
// paths fail with Prometheus's error, where their points share a step.
TEST_F(VectorMatchEvalTest, RootMatchingWhoseSeriesCollideFails) {
  const std::string both = "{__name__=~\"req_total|other_total\", instance=\"a\"}";
  const std::string cases[] = {"(" + both + " and on(instance) req_total) * 2",
                               both + " > bool on(instance) group_left req_total{instance=\"a\"}",
                               "(" + both + " or temp) / 2"};
  for (const std::string& q : cases) {
    SCOPED_TRACE(q);
    for (const std::string& which : {q, RowPath(q)}) {
      auto r = RunRangeQuery(session_->conn(), which, 5 * kMin, 9 * kMin, kMin);
      ASSERT_FALSE(r.ok()) << which;
      EXPECT_EQ(r.status().code(), Status::Code::kAborted) << which;
      EXPECT_EQ(r.status().message(), "vector cannot contain metrics with the same labelset") << which;
    }
  }
  // A filter keeps the names: two series, packed as on the row path.
  ExpectPackedAnswersAsTheRowPath(both + " > on(instance) group_left req_total{instance=\"a\"} - 100",
                                  /*nonempty=*/true);
}

// The matching's own errors come through the packed form unchanged.
TEST_F(VectorMatchEvalTest, RootMatchingErrors) {
  struct Case {
    std::string q, message;
  };
  const Case cases[] = {
      {"req_total / on(job) job_limit",
       "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)"},
      {"req_total / on(job) req_total",
       "found duplicate series for the match group {job=\"api\"} on the right hand-side of the operation: "
       "[{__name__=\"req_total\", instance=\"a\", job=\"api\"}, {__name__=\"req_total\", instance=\"b\", "
       "job=\"api\"}];many-to-many matching not allowed: matching labels must be unique on one side"},
      {"{__name__=~\"req_total|other_total\", instance=\"a\"} / on(instance) group_left "
       "req_total{instance=\"a\"}",
       "multiple matches for labels: grouping labels must ensure unique results"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.q);
    for (const std::string& which : {c.q, RowPath(c.q)}) {
      auto r = RunRangeQuery(session_->conn(), which, 5 * kMin, 9 * kMin, kMin);
      ASSERT_FALSE(r.ok()) << which;
      EXPECT_EQ(r.status().code(), Status::Code::kAborted) << which;
      EXPECT_EQ(r.status().message(), c.message) << which;
    }
  }
}

// vector_match_series() from SQL: a row a series, 16 bytes a point.
TEST_F(VectorMatchEvalTest, VectorMatchSeriesFromSql) {
  sqlite3_stmt* stmt = nullptr;
  const char* sql =
      "SELECT labelset, drop_name, length(points) / 16 FROM vector_match_series('add', 0, 'one_to_one', "
      "'ignoring', '', '', "
      "(SELECT prom_vector(labelset, drop_name, ts, value) FROM (SELECT '{\"__name__\":\"m\",\"a\":\"1\"}' "
      "AS "
      "labelset, 0 AS drop_name, column1 AS ts, 1.5 AS value FROM (VALUES (1000), (2000), (3000)))), "
      "(SELECT prom_vector(labelset, drop_name, ts, value) FROM (SELECT '{\"a\":\"1\"}' AS labelset, 0 AS "
      "drop_name, column1 AS ts, 2.5 AS value FROM (VALUES (2000), (3000), (4000)))))";
  ASSERT_EQ(sqlite3_prepare_v2(session_->conn(), sql, -1, &stmt, nullptr), SQLITE_OK)
      << sqlite3_errmsg(session_->conn());
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW) << sqlite3_errmsg(session_->conn());
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "{\"a\":\"1\"}");
  EXPECT_EQ(sqlite3_column_int(stmt, 1), 0);  // arithmetic has dropped the name itself
  EXPECT_EQ(sqlite3_column_int(stmt, 2), 2);  // the steps both sides have
  EXPECT_EQ(sqlite3_step(stmt), SQLITE_DONE);
  sqlite3_finalize(stmt);
}

// EXPLAIN shows the operations applied to the packed points, which the SQL
// does not hold, on a comment line before it.
TEST_F(VectorMatchEvalTest, ExplainNamesTheOperationsOnPackedPoints) {
  auto ops = ExplainQuery("100 * (a / on(job) b) > bool 5", 0, 600000, 60000);
  ASSERT_TRUE(ops.ok()) << ops.status().ToString();
  EXPECT_EQ(ops->substr(0, ops->find('\n')),
            "-- applied to each point as the rows are unpacked, in order: 100 * value, value > bool 5");
  EXPECT_NE(ops->find("\nSELECT labels_drop(labelset, '__name__') AS labelset, points\n"), std::string::npos)
      << *ops;
  EXPECT_NE(ops->find("FROM vector_match_series('div', 0, 'one_to_one', 'on', 'job', '', "),
            std::string::npos)
      << *ops;
  auto source = ExplainQuery("cpu / 2^30 < 4", 0, 0, 1);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  EXPECT_EQ(source->substr(0, source->find('\n')),
            "-- applied to each point as the rows are unpacked, in order: value / 1073741824, value < 4");
  EXPECT_NE(source->find("FROM vector_series('instant', "), std::string::npos) << *source;
  // Nothing applied: the SQL alone.
  for (const char* q : {"a / b", "rate(x[5m])", "sum(x) * 2"}) {
    auto plain = ExplainQuery(q, 0, 600000, 60000);
    ASSERT_TRUE(plain.ok()) << plain.status().ToString();
    EXPECT_EQ(plain->find("--"), std::string::npos) << *plain;
  }
}

}  // namespace
}  // namespace overtone::promql
