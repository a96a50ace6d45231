// sql/snapshot_table.h: a table whose rows a callback gives, on a plain
// in-memory connection.

#include "sql/snapshot_table.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>
#include <vector>

#include "sql/statement.h"
#include "tests/sql/memory_connection.h"

namespace overtone::sql {
namespace {

using SnapshotTableTest = MemoryConnectionTest;

TEST_F(SnapshotTableTest, EachQuerySeesTheCallbacksRowsOfThatMoment) {
  int calls = 0;
  SnapshotTable t{
      "figures", {{"name", "TEXT"}, {"n", "INTEGER"}, {"ratio", "REAL"}, {"note", "TEXT"}}, [&calls] {
        ++calls;
        return std::vector<SnapshotRow>{{std::string("a"), int64_t{calls}, 0.5, std::monostate{}},
                                        {std::string("b"), int64_t{2}, 1.5, std::string("x")}};
      }};
  ASSERT_TRUE(RegisterSnapshotTable(conn_, std::move(t)).ok());
  EXPECT_EQ(One("SELECT group_concat(name || ':' || n || ':' || ratio || ':' || ifnull(note, 'null'), ' ') "
                "FROM figures"),
            "a:1:0.5:null b:2:1.5:x");
  EXPECT_EQ(One("SELECT n FROM figures WHERE name = 'a'"), "2");  // called again
  EXPECT_EQ(One("SELECT typeof(n) || typeof(ratio) || typeof(note) FROM figures WHERE name = 'a'"),
            "integerrealnull");
  EXPECT_EQ(One("SELECT group_concat(name) FROM pragma_table_info('figures')"), "name,n,ratio,note");
  // Read-only.
  EXPECT_EQ(One("DELETE FROM figures").substr(0, 6), "error:");
}

}  // namespace
}  // namespace overtone::sql
