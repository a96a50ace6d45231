// Cancelling SQL: the table functions check the token RegisterSql was
// given, and a CancelProgressHandler interrupts SQLite's own loops (an
// endless recursive CTE) once the token is cancelled or its deadline passes.

#include "overtone/cancel.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "overtone/sql.h"
#include "sql/statement.h"
#include "tests/support/test_database.h"

namespace overtone {
namespace {

class SqlCancelTest : public testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    WriteBatch b;
    for (int s = 0; s < 20; ++s) {
      for (int64_t t = 0; t < 100; ++t) b.Add({{"__name__", "m"}, {"i", std::to_string(s)}}, t * 1000, t);
    }
    ASSERT_TRUE(db_->Write(b).ok());
  }
};

TEST_F(SqlCancelTest, SqlTableFunctionsAndProgressHandlerStop) {
  sqlite3* conn = nullptr;
  ASSERT_EQ(sqlite3_open(":memory:", &conn), SQLITE_OK);
  CancelToken token;
  ASSERT_TRUE(RegisterSql(conn, db_.get(), &token).ok());
  auto run = [conn](const char* sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(conn, sql, nullptr, nullptr, &err);
    std::string msg = err ? err : "";
    sqlite3_free(err);
    return std::make_pair(rc, msg);
  };
  const char* over_time = "SELECT count(*) FROM over_time('sum', 'm', 0, 100000, 10000, 60000)";
  EXPECT_EQ(run(over_time).first, SQLITE_OK);
  token.Cancel(CancelReason::kClientGone);
  auto [rc, msg] = run(over_time);
  EXPECT_NE(rc, SQLITE_OK);
  EXPECT_NE(msg.find("query cancelled: the client went away"), std::string::npos) << msg;
  rc = run("SELECT count(*) FROM range_function('rate', 'm', 0, 100000, 10000, 60000)").first;
  EXPECT_NE(rc, SQLITE_OK);

  // SQLite's own loops: an endless recursive CTE stops at the deadline.
  token.Reset(CancelToken::Clock::now() + std::chrono::milliseconds(100));
  {
    CancelProgressHandler interrupt(conn, &token);
    auto t0 = CancelToken::Clock::now();
    rc = run("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c").first;
    EXPECT_EQ(rc, SQLITE_INTERRUPT);
    EXPECT_LT(CancelToken::Clock::now() - t0, std::chrono::seconds(2));
    EXPECT_EQ(token.reason(), CancelReason::kDeadline);
  }
  sqlite3_close(conn);
}

// vector_series() charges its rows to the query's working memory as it
// builds them and gives each row's charge back as the cursor leaves it; the
// values SQLite keeps past a row (an aggregate's, a second read of the
// column) stay whole after the row is let go.
TEST_F(SqlCancelTest, VectorSeriesGivesEachRowBackAsTheCursorLeavesIt) {
  WriteBatch b;
  for (int s = 0; s < 20; ++s) {
    for (int64_t t = 0; t < 100; ++t)
      b.Add({{"__name__", "w"}, {"i", std::to_string(s)}}, t * 1000, s * 1000 + t);
  }
  ASSERT_TRUE(db_->Write(b).ok());
  sqlite3* conn = nullptr;
  ASSERT_EQ(sqlite3_open(":memory:", &conn), SQLITE_OK);
  CancelToken token;
  token.LimitMemory(size_t{1} << 30, nullptr);
  ASSERT_TRUE(RegisterSql(conn, db_.get(), &token).ok());
  // 20 series of 991 points: 16 bytes a point, about 310 KiB in all.
  const std::string source = "vector_series('instant', 'w', 0, 99000, 100, 300000)";
  sql::Statement st;
  ASSERT_EQ(st.Compile(conn, "SELECT points, length(points), points FROM " + source), SQLITE_OK)
      << sqlite3_errmsg(conn);
  std::vector<std::string> all;
  std::vector<size_t> charged;
  int rc;
  while ((rc = st.Step()) == SQLITE_ROW) {
    charged.push_back(token.memory_charged());
    std::string points(static_cast<const char*>(sqlite3_column_blob(st.get(), 0)),
                       static_cast<size_t>(sqlite3_column_bytes(st.get(), 0)));
    EXPECT_EQ(sqlite3_column_int64(st.get(), 1), 991 * 16);
    EXPECT_EQ(std::string(static_cast<const char*>(sqlite3_column_blob(st.get(), 2)),
                          static_cast<size_t>(sqlite3_column_bytes(st.get(), 2))),
              points);
    all.push_back(std::move(points));
  }
  ASSERT_EQ(rc, SQLITE_DONE) << sqlite3_errmsg(conn);
  ASSERT_EQ(all.size(), 20u);
  // All rows charged at first (in steps of 64 KiB), then less and less.
  EXPECT_GE(charged.front(), 256u << 10);
  for (size_t i = 1; i < charged.size(); ++i) EXPECT_LT(charged[i], charged[i - 1]) << "row " << i;
  EXPECT_LT(charged.back(), 64u << 10);
  st.Reset();
  EXPECT_EQ(token.memory_charged(), 0u);

  // An aggregate keeps its best value past the rows: max() and min() are
  // the largest and smallest BLOBs, whole.
  std::sort(all.begin(), all.end());
  sql::Statement agg;
  ASSERT_EQ(agg.Compile(conn, "SELECT max(points), min(points) FROM " + source), SQLITE_OK)
      << sqlite3_errmsg(conn);
  ASSERT_EQ(agg.Step(), SQLITE_ROW) << sqlite3_errmsg(conn);
  EXPECT_EQ(std::string(static_cast<const char*>(sqlite3_column_blob(agg.get(), 0)),
                        static_cast<size_t>(sqlite3_column_bytes(agg.get(), 0))),
            all.back());
  EXPECT_EQ(std::string(static_cast<const char*>(sqlite3_column_blob(agg.get(), 1)),
                        static_cast<size_t>(sqlite3_column_bytes(agg.get(), 1))),
            all.front());
  agg.Reset();
  sqlite3_close_v2(conn);  // once the statements are finalized
}

}  // namespace
}  // namespace overtone
