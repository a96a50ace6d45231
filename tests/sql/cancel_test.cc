// Cancelling SQL: the table functions check the token RegisterSql was
// given, and a CancelProgressHandler interrupts SQLite's own loops (an
// endless recursive CTE) once the token is cancelled or its deadline passes.

#include "overtone/cancel.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>
#include <utility>

#include "overtone/sql.h"
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

}  // namespace
}  // namespace overtone
