// A test fixture with a plain in-memory SQLite connection (no overtone
// tables), for the parts the SQL layer is built from.

#ifndef OVERTONE_TESTS_SQL_MEMORY_CONNECTION_H_
#define OVERTONE_TESTS_SQL_MEMORY_CONNECTION_H_

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>

#include "sql/statement.h"

namespace overtone::sql {

class MemoryConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(sqlite3_open(":memory:", &conn_), SQLITE_OK); }
  // sqlite3_close refuses a connection that still has statements: it
  // returning SQLITE_OK shows that every statement was finalized.
  void TearDown() override { EXPECT_EQ(sqlite3_close(conn_), SQLITE_OK); }

  // The first column of the first row as text, or "error: <message>".
  std::string One(const std::string& query) {
    auto st = Statement::Prepare(conn_, query);
    if (!st.ok()) return "error: " + st.status().message();
    if (st->Step() != SQLITE_ROW) return std::string("error: ") + sqlite3_errmsg(conn_);
    const unsigned char* t = sqlite3_column_text(st->get(), 0);
    return t ? reinterpret_cast<const char*>(t) : "NULL";
  }

  sqlite3* conn_ = nullptr;
};

}  // namespace overtone::sql

#endif  // OVERTONE_TESTS_SQL_MEMORY_CONNECTION_H_
