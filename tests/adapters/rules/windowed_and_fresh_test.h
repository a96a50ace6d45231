// A fixture for rule queries answered from standing windows: db_ (which the
// test gives windows) and fresh_db_ (the same samples, written by the test,
// and no windows), each with an SQL connection with overtone registered;
// Query() runs an instant PromQL query on either and gives (labels, value)
// pairs, to compare bit for bit.

#ifndef OVERTONE_TESTS_ADAPTERS_RULES_WINDOWED_AND_FRESH_TEST_H_
#define OVERTONE_TESTS_ADAPTERS_RULES_WINDOWED_AND_FRESH_TEST_H_

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "adapters/promql/query.h"
#include "overtone/sql.h"
#include "tests/support/test_database.h"

namespace overtone::rules {

class WindowedAndFreshTest : public overtone::testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    auto fresh = Database::Open(overtone::testing::TestDatabaseOptions(), fresh_dir_.path());
    ASSERT_TRUE(fresh.ok());
    fresh_db_ = std::move(*fresh);
    for (auto [db, conn] : {std::pair{db_.get(), &conn_}, std::pair{fresh_db_.get(), &fresh_conn_}}) {
      sqlite3* raw = nullptr;
      ASSERT_EQ(sqlite3_open(":memory:", &raw), SQLITE_OK);
      conn->reset(raw);
      ASSERT_TRUE(RegisterSql(raw, db).ok());
    }
  }
  void TearDown() override {
    conn_.reset();
    fresh_conn_.reset();
  }

  std::vector<std::pair<Labels, double>> Query(sqlite3* conn, const std::string& expr, int64_t t) {
    auto r = promql::RunInstantQuery(conn, expr, t);
    EXPECT_TRUE(r.ok()) << expr << ": " << r.status().ToString();
    std::vector<std::pair<Labels, double>> out;
    if (r.ok()) {
      for (auto& s : r->series) out.emplace_back(s.labels, s.points.empty() ? 0 : s.points[0].value);
    }
    return out;
  }

  struct Close {
    void operator()(sqlite3* c) const { sqlite3_close(c); }
  };
  std::unique_ptr<sqlite3, Close> conn_, fresh_conn_;
  overtone::testing::TempDir fresh_dir_;
  std::unique_ptr<Database> fresh_db_;
};

}  // namespace overtone::rules

#endif  // OVERTONE_TESTS_ADAPTERS_RULES_WINDOWED_AND_FRESH_TEST_H_
