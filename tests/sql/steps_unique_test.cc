// prom_steps(start, end, step), the evaluation steps of a range, and
// vector_unique(input), the check that no two points of a vector at one
// step share a label set.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>

#include "sql/vector_match.h"
#include "sql/vtab_common.h"
#include "sql/vtabs.h"
#include "tests/sql/memory_connection.h"

namespace overtone::sql {
namespace {

class StepsUniqueTest : public MemoryConnectionTest {
 protected:
  void SetUp() override {
    MemoryConnectionTest::SetUp();
    ASSERT_TRUE(RegisterVectorPack(conn_).ok());
    for (auto [name, module] :
         {std::pair{"prom_steps", StepsModule()}, {"vector_unique", VectorUniqueModule()}}) {
      ASSERT_EQ(sqlite3_create_module_v2(conn_, name, module, new ModuleContext{nullptr, nullptr},
                                         [](void* p) { delete static_cast<ModuleContext*>(p); }),
                SQLITE_OK);
    }
    ASSERT_EQ(
        sqlite3_exec(conn_,
                     "CREATE TABLE v(labelset TEXT, drop_name INTEGER, ts INTEGER, value REAL);"
                     "INSERT INTO v VALUES ('{\"a\":\"1\"}', 0, 0, 1.5), ('{\"a\":\"1\"}', 0, 10, NULL), "
                     "('{\"a\":\"2\"}', 1, 0, 3);",
                     nullptr, nullptr, nullptr),
        SQLITE_OK);
  }
};

TEST_F(StepsUniqueTest, StepsCountFromStartToEnd) {
  EXPECT_EQ(One("SELECT group_concat(ts) FROM prom_steps(0, 30, 10)"), "0,10,20,30");
  EXPECT_EQ(One("SELECT group_concat(ts) FROM prom_steps(-5, 14, 10)"), "-5,5");
  EXPECT_EQ(One("SELECT group_concat(ts) FROM prom_steps(7, 7, 1)"), "7");
  EXPECT_EQ(One("SELECT count(*) FROM prom_steps(10, 0, 1)"), "0");
  // The last step at the end of int64 does not overflow into another.
  EXPECT_EQ(One("SELECT count(*) FROM prom_steps(9223372036854775800, 9223372036854775807, 5)"), "2");
  // Joined as a table, and with its arguments bound.
  EXPECT_EQ(One("SELECT sum(s.ts) FROM prom_steps(0, 2, 1) AS s JOIN prom_steps(0, 2, 1) AS t"), "9");
  EXPECT_EQ(One("SELECT count(*) FROM prom_steps(?1, ?2, ?3)"),
            "error: prom_steps: start must be an integer (ms)");
}

TEST_F(StepsUniqueTest, StepsRefuseBadArguments) {
  EXPECT_EQ(One("SELECT count(*) FROM prom_steps(0, 10, 0)"), "error: step must be positive");
  EXPECT_EQ(One("SELECT count(*) FROM prom_steps(0, 10, 'x')"),
            "error: prom_steps: step must be an integer (ms)");
  EXPECT_EQ(One("SELECT count(*) FROM prom_steps(0, 10)"),
            "error: prom_steps(start, end, step): step is missing");
  EXPECT_NE(One("SELECT count(*) FROM prom_steps(0, 9000000000000, 1)").find("too many evaluation steps"),
            std::string::npos);
}

TEST_F(StepsUniqueTest, UniqueVectorPassesThrough) {
  EXPECT_EQ(One("SELECT group_concat(labelset || drop_name || '@' || ts || '=' || ifnull(value, 'NaN'), ' ') "
                "FROM vector_unique((SELECT prom_vector(labelset, drop_name, ts, value) FROM v))"),
            "{\"a\":\"1\"}0@0=1.5 {\"a\":\"1\"}0@10=NaN {\"a\":\"2\"}1@0=3.0");
}

TEST_F(StepsUniqueTest, SameLabelsetAtOneStepIsPrometheusError) {
  const std::string kError = "error: vector cannot contain metrics with the same labelset";
  // Two label sets made equal at step 0, drop_name aside.
  EXPECT_EQ(
      One("SELECT count(*) FROM vector_unique((SELECT prom_vector('{}', drop_name, ts, value) FROM v))"),
      kError);
  // Equal at different steps only: no collision.
  EXPECT_EQ(One("SELECT count(*) FROM vector_unique((SELECT prom_vector('{}', drop_name, ts, value) FROM v "
                "WHERE labelset = '{\"a\":\"1\"}'))"),
            "2");
  // The same series twice at one step.
  EXPECT_EQ(
      One("SELECT count(*) FROM vector_unique((SELECT prom_vector(labelset, drop_name, 0, value) FROM v "
          "WHERE labelset = '{\"a\":\"1\"}'))"),
      kError);
  EXPECT_EQ(One("SELECT count(*) FROM vector_unique(x'00')"),
            "error: vector_match: an operand not made by prom_vector()");
}

}  // namespace
}  // namespace overtone::sql
