// The plans SQLite picks for overtone's tables: which table drives a join,
// which constraints reach xFilter, when no sort is needed. They follow
// from the costs each table's xBestIndex states on one scale
// (sql/plan_cost.h); a change there shows here first.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>
#include <vector>

#include "overtone/sql.h"
#include "sql/plan_cost.h"
#include "sql/statement.h"
#include "tests/support/test_util.h"

namespace overtone {
namespace {

class PlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = SqlSession::Open(Options{}, dir_.path());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    session_ = std::move(*s);
  }

  // The lines of EXPLAIN QUERY PLAN, outer loop first.
  std::vector<std::string> Plan(const std::string& query) {
    std::vector<std::string> lines;
    auto st = sql::Statement::Prepare(session_->conn(), "EXPLAIN QUERY PLAN " + query);
    EXPECT_TRUE(st.ok()) << st.status().ToString();
    if (!st.ok()) return lines;
    while (st->Step() == SQLITE_ROW) {
      lines.push_back(reinterpret_cast<const char*>(sqlite3_column_text(st->get(), 3)));
    }
    return lines;
  }

  testing::TempDir dir_;
  std::unique_ptr<SqlSession> session_;
};

// "SCAN t VIRTUAL TABLE INDEX n:" names the table's plan by its idxNum: for
// series and segments the bits of SeriesConstraintBits (1 series_id,
// 2 metric, 4 selector); for samples those, then 8 ts =, 16 ts >, 32 ts >=,
// 64 ts <, 128 ts <=; for a table function one bit per argument given.
using Lines = std::vector<std::string>;

TEST(PlanCostTest, CostsStandInOrder) {
  using namespace sql;
  static_assert(SeriesVisited(kSeriesIdEq | kMetricEq) == kCostPointLookup);
  static_assert(SeriesVisited(kSelectorEq) == kCostSeriesFiltered);
  static_assert(SeriesVisited(0) == kCostFullScan);
  // For the same rows per series: one series, then those of a metric, then all.
  EXPECT_LT(PlanCost(kSeriesIdEq, kRowsBoundedRange), PlanCost(kMetricEq, kRowsBoundedRange));
  EXPECT_LT(PlanCost(kMetricEq, kRowsBoundedRange), PlanCost(0, kRowsBoundedRange));
  // For the same series: a time point, then a bounded range, a half-bounded one, none.
  EXPECT_LT(PlanCost(0, kRowsOneSample), PlanCost(0, kRowsBoundedRange));
  EXPECT_LT(PlanCost(0, kRowsBoundedRange), PlanCost(0, kRowsHalfBoundedRange));
  EXPECT_LT(PlanCost(0, kRowsHalfBoundedRange), PlanCost(0, kRowsAllSamples));
  // Even reading one sample per series, scanning all of `samples` costs more
  // than scanning `series`, which could drive it one series at a time.
  EXPECT_LT(PlanCost(0, kRowsSeriesOnly), PlanCost(0, kRowsOneSample));
}

// A join of samples with the catalog is driven by `series`, whatever the
// time constraint: samples is then read one series at a time.
TEST_F(PlanTest, SeriesDrivesJoinsWithSamples) {
  const std::string join =
      R"(SELECT count(*) FROM samples s JOIN series USING (series_id) WHERE series.labels = '{"s":"3"}')";
  EXPECT_EQ(Plan(join), (Lines{"SCAN series VIRTUAL TABLE INDEX 0:", "SCAN s VIRTUAL TABLE INDEX 1:"}));
  EXPECT_EQ(Plan(join + " AND s.ts < 5000"),
            (Lines{"SCAN series VIRTUAL TABLE INDEX 0:", "SCAN s VIRTUAL TABLE INDEX 65:"}));
  EXPECT_EQ(Plan(join + " AND s.ts = 5000"),
            (Lines{"SCAN series VIRTUAL TABLE INDEX 0:", "SCAN s VIRTUAL TABLE INDEX 9:"}));
  EXPECT_EQ(Plan("SELECT count(*) FROM series x JOIN samples s USING (series_id) WHERE x.selector = 'm' AND "
                 "s.ts BETWEEN 1 AND 5"),
            (Lines{"SCAN x VIRTUAL TABLE INDEX 4:", "SCAN s VIRTUAL TABLE INDEX 161:"}));
  EXPECT_EQ(Plan("SELECT count(*) FROM series x JOIN samples s USING (series_id) WHERE x.metric = 'm'"),
            (Lines{"SCAN x VIRTUAL TABLE INDEX 2:", "SCAN s VIRTUAL TABLE INDEX 1:"}));
}

// The side with a metric or selector drives a self-join of samples.
TEST_F(PlanTest, FilteredSideDrivesSelfJoin) {
  EXPECT_EQ(Plan("SELECT count(*) FROM samples a JOIN samples b ON a.series_id = b.series_id AND a.ts = b.ts "
                 "WHERE a.metric = 'm'"),
            (Lines{"SCAN a VIRTUAL TABLE INDEX 2:", "SCAN b VIRTUAL TABLE INDEX 9:"}));
}

// A table function's call drives a join: its rows then look up series and
// samples by id.
TEST_F(PlanTest, TableFunctionsDriveJoins) {
  EXPECT_EQ(Plan(R"(SELECT sum(o.value) FROM series s, over_time('last', 'm', 9000, 9000, 1, 1000) o
                    WHERE o.series_id = s.series_id AND s.labels = '{"h":"b"}')"),
            (Lines{"SCAN o VIRTUAL TABLE INDEX 63:", "SCAN s VIRTUAL TABLE INDEX 1:"}));
  EXPECT_EQ(Plan("SELECT count(*) FROM instant_vector('m', 0, 10, 1) v JOIN series s USING (series_id)"),
            (Lines{"SCAN v VIRTUAL TABLE INDEX 15:", "SCAN s VIRTUAL TABLE INDEX 1:"}));
  EXPECT_EQ(Plan("SELECT count(*) FROM range_function('rate', 'm', 0, 10, 1, 5) v "
                 "JOIN samples s ON s.series_id = v.series_id AND s.ts = v.ts"),
            (Lines{"SCAN v VIRTUAL TABLE INDEX 63:", "SCAN s VIRTUAL TABLE INDEX 9:"}));
}

TEST_F(PlanTest, SegmentsDriveJoinsWithSeriesAndSamples) {
  EXPECT_EQ(Plan("SELECT count(*) FROM segments g JOIN series s USING (series_id) WHERE s.labels = '{}'"),
            (Lines{"SCAN g VIRTUAL TABLE INDEX 0:", "SCAN s VIRTUAL TABLE INDEX 1:"}));
  EXPECT_EQ(Plan("SELECT count(*) FROM segments g JOIN samples s USING (series_id) WHERE g.metric = 'm'"),
            (Lines{"SCAN g VIRTUAL TABLE INDEX 2:", "SCAN s VIRTUAL TABLE INDEX 1:"}));
  EXPECT_EQ(
      Plan("SELECT count(*) FROM samples s JOIN segments g ON g.series_id = s.series_id WHERE s.ts = 5"),
      (Lines{"SCAN g VIRTUAL TABLE INDEX 0:", "SCAN s VIRTUAL TABLE INDEX 9:"}));
}

// One table: the constraints reach xFilter, and an order the rows already
// come in needs no sort (no "USE TEMP B-TREE FOR ORDER BY").
TEST_F(PlanTest, SingleTablePushdownAndOrder) {
  EXPECT_EQ(Plan("SELECT count(*) FROM samples WHERE series_id IN (1, 3)"),
            (Lines{"SCAN samples VIRTUAL TABLE INDEX 1:"}));
  EXPECT_EQ(Plan("SELECT ts FROM samples WHERE series_id = 1 AND ts BETWEEN 1 AND 5 ORDER BY ts"),
            (Lines{"SCAN samples VIRTUAL TABLE INDEX 161:"}));
  EXPECT_EQ(Plan("SELECT series_id, ts FROM samples ORDER BY series_id, ts"),
            (Lines{"SCAN samples VIRTUAL TABLE INDEX 0:"}));
  EXPECT_EQ(Plan("SELECT series_id FROM series ORDER BY series_id"),
            (Lines{"SCAN series VIRTUAL TABLE INDEX 0:"}));
}

}  // namespace
}  // namespace overtone
