#include "sql/statement.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "tests/sql/memory_connection.h"

namespace overtone::sql {
namespace {

// Its TearDown fails the test when a Statement did not finalize its own.
using StatementTest = MemoryConnectionTest;

TEST_F(StatementTest, PreparesBindsStepsAndResets) {
  ASSERT_EQ(sqlite3_exec(conn_, "CREATE TABLE t(a INTEGER, b REAL, c TEXT)", nullptr, nullptr, nullptr),
            SQLITE_OK);
  auto insert = Statement::Prepare(conn_, "INSERT INTO t VALUES (?, ?, ?)");
  ASSERT_TRUE(insert.ok()) << insert.status().ToString();
  for (int i = 0; i < 2; ++i) {
    insert->BindInt64(1, i);
    insert->BindDouble(2, i + 0.5);
    insert->BindText(3, std::string(1, static_cast<char>('x' + i)));
    EXPECT_EQ(insert->Step(), SQLITE_DONE);
    insert->Reset();
  }
  auto select = Statement::Prepare(conn_, "SELECT group_concat(a || ':' || b || ':' || c, ' ') FROM t");
  ASSERT_TRUE(select.ok());
  ASSERT_EQ(select->Step(), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(select->get(), 0)), "0:0.5:x 1:1.5:y");
}

TEST_F(StatementTest, PrepareFailsWithSqlitesMessage) {
  auto st = Statement::Prepare(conn_, "SELECT * FROM nowhere");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.status().message().find("no such table: nowhere"), std::string::npos)
      << st.status().ToString();
}

TEST_F(StatementTest, CompileWalksAScriptStatementByStatement) {
  std::string script = "SELECT 1; SELECT 2; -- the end";
  const char* tail = script.c_str();
  std::vector<int> values;
  Statement st;
  while (*tail) {
    ASSERT_EQ(st.Compile(conn_, tail, &tail), SQLITE_OK);
    if (!st) break;  // only a comment was left
    ASSERT_EQ(st.Step(), SQLITE_ROW);
    values.push_back(sqlite3_column_int(st.get(), 0));
  }
  EXPECT_EQ(values, (std::vector<int>{1, 2}));
}

TEST_F(StatementTest, MovesOwnership) {
  auto a = Statement::Prepare(conn_, "SELECT 7");
  ASSERT_TRUE(a.ok());
  Statement b = std::move(*a);
  EXPECT_FALSE(*a);
  ASSERT_TRUE(b);
  Statement c;
  c = std::move(b);
  EXPECT_FALSE(b);
  ASSERT_EQ(c.Step(), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(c.get(), 0), 7);
  c = Statement();  // finalizes
  EXPECT_EQ(sqlite3_next_stmt(conn_, nullptr), nullptr);
}

}  // namespace
}  // namespace overtone::sql
