// A test's own database: opened in a fresh temporary directory with
// background compaction off, so that a test finds what it wrote where it
// wrote it; and reading a series back.
//
//   class MyTest : public overtone::testing::DatabaseTest {};
//   TEST_F(MyTest, X) { db_->Write(...); EXPECT_EQ(ReadSeries({{"__name__", "up"}}), ...); }

#ifndef OVERTONE_TESTS_SUPPORT_TEST_DATABASE_H_
#define OVERTONE_TESTS_SUPPORT_TEST_DATABASE_H_

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "overtone/database.h"
#include "tests/support/test_util.h"

namespace overtone::testing {

// The options tests open databases with.
inline Options TestDatabaseOptions() {
  Options o;
  o.compaction_interval_ms = 0;
  return o;
}

// Every sample of the series with exactly `labels`; none when there is no
// such series.
inline std::vector<Sample> ReadSeries(Database* db, const Labels& labels) {
  auto id = db->FindSeries(labels);
  if (!id.ok()) return {};
  auto it = db->Scan(*id, kMinTime, kMaxTime);
  std::vector<Sample> out;
  for (; (*it)->Valid(); (*it)->Next()) out.push_back((*it)->sample());
  return out;
}

// A fixture with a database of its own in db_, open from SetUp on.
class DatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override { OpenDatabase(); }

  // Opens db_ on dir_ (again, after db_.reset()).
  void OpenDatabase() {
    auto db = Database::Open(TestDatabaseOptions(), dir_.path());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
  }
  std::vector<Sample> ReadSeries(const Labels& labels) { return testing::ReadSeries(db_.get(), labels); }

  TempDir dir_;
  std::unique_ptr<Database> db_;
};

}  // namespace overtone::testing

#endif  // OVERTONE_TESTS_SUPPORT_TEST_DATABASE_H_
