// Metric metadata and push groups (engine/database_records.cc): last write
// wins, persisted across reopening, and what each push mode retires.

#include <gtest/gtest.h>

#include "tests/support/test_database.h"

namespace overtone {
namespace {

class RecordsTest : public testing::DatabaseTest {
 protected:
  void Reopen() {
    db_.reset();
    OpenDatabase();
  }
  bool EndsStale(const Labels& labels) {
    std::vector<Sample> s = ReadSeries(labels);
    return !s.empty() && IsStaleNaN(s.back().value);
  }
};

TEST_F(RecordsTest, MetadataLastWriteWinsAndSurvivesReopening) {
  std::vector<MetricMetadata> first = {{"b", "gauge", "B.", ""}, {"a_total", "counter", "A.", ""}};
  ASSERT_TRUE(db_->PutMetadata(first).ok());
  std::vector<MetricMetadata> second = {{"b", "gauge", "B, again.", "bytes"}};
  ASSERT_TRUE(db_->PutMetadata(second).ok());
  Reopen();
  auto all = db_->ListMetadata();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].metric, "a_total");  // sorted by family
  EXPECT_EQ((*all)[1].help, "B, again.");
  EXPECT_EQ((*all)[1].unit, "bytes");
  std::vector<MetricMetadata> bad = {{"0bad", "gauge", "", ""}};
  EXPECT_TRUE(db_->PutMetadata(bad).IsInvalidArgument());
}

TEST_F(RecordsTest, PushModesRetireTheRightSeriesAndGroupsSurviveReopening) {
  const Labels group = {{"job", "batch"}};
  const Labels x1 = {{"__name__", "x"}, {"job", "batch"}, {"k", "1"}};
  const Labels x2 = {{"__name__", "x"}, {"job", "batch"}, {"k", "2"}};
  const Labels y = {{"__name__", "y"}, {"job", "batch"}};
  WriteBatch b;
  b.Add(x1, 1000, 1);
  b.Add(x2, 1000, 2);
  b.Add(y, 1000, 3);
  ASSERT_TRUE(db_->Push(group, PushMode::kReplace, b, 1000).ok());
  EXPECT_EQ(db_->PushGroupSeries(group)->size(), 3u);

  // kAdd of x{k="1"} alone: x{k="2"} shares its name and goes stale; y stays.
  WriteBatch add;
  add.Add(x1, 2000, 10);
  ASSERT_TRUE(db_->Push(group, PushMode::kAdd, add, 2000).ok());
  EXPECT_EQ(ReadSeries(x2), (std::vector<Sample>{{1000, 2}, {2000, StaleNaN()}}));
  EXPECT_FALSE(EndsStale(y));
  EXPECT_EQ(db_->PushGroupSeries(group)->size(), 2u);

  Reopen();
  // kReplace with only y: x{k="1"} goes stale.
  WriteBatch replace;
  replace.Add(y, 3000, 4);
  ASSERT_TRUE(db_->Push(group, PushMode::kReplace, replace, 3000).ok());
  EXPECT_TRUE(EndsStale(x1));
  EXPECT_EQ(*db_->PushGroupSeries(group), (std::vector<Labels>{y}));

  // Another group is untouched by this one's deletion.
  WriteBatch other;
  other.Add({{"__name__", "y"}, {"job", "other"}}, 3000, 1);
  ASSERT_TRUE(db_->Push({{"job", "other"}}, PushMode::kReplace, other, 3000).ok());
  ASSERT_TRUE(db_->Push(group, PushMode::kDelete, WriteBatch(), 4000).ok());
  EXPECT_EQ(ReadSeries(y).back().ts, 4000);
  EXPECT_TRUE(EndsStale(y));
  EXPECT_TRUE(db_->PushGroupSeries(group)->empty());
  EXPECT_FALSE(EndsStale({{"__name__", "y"}, {"job", "other"}}));
  EXPECT_TRUE(db_->Push(group, PushMode::kDelete, b, 5000).IsInvalidArgument());
}

TEST_F(RecordsTest, IndexStatsCountPostings) {
  WriteBatch b;
  b.Add({{"__name__", "up"}, {"job", "a"}}, 10, 1);
  b.Add({{"__name__", "up"}, {"job", "bb"}}, 20, 1);
  ASSERT_TRUE(db_->Write(b).ok());
  auto stats = db_->GetIndexStats(1);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->num_series, 2u);
  EXPECT_EQ(stats->num_label_pairs, 3u);
  EXPECT_EQ(stats->min_time, 10);
  EXPECT_EQ(stats->max_time, 20);
  ASSERT_EQ(stats->series_count_by_metric_name.size(), 1u);
  EXPECT_EQ(stats->series_count_by_metric_name[0].count, 2u);
  ASSERT_EQ(stats->memory_in_bytes_by_label_name.size(), 1u);           // top 1
  EXPECT_EQ(stats->memory_in_bytes_by_label_name[0].name, "__name__");  // 2 * "up" = 4 > "a" + "bb" = 3
}

}  // namespace
}  // namespace overtone
