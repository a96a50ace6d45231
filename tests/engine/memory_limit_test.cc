// One memory limit for the process (Options::memory_limit_bytes,
// overtone/memory.h) as an embedding application sees it, and the series
// index under churn: series not written lately leave memory, stay findable
// on disk, and come back when written to again.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "overtone/database.h"
#include "overtone/memory.h"
#include "tests/support/test_database.h"
#include "tests/support/test_util.h"

namespace overtone {
namespace {

using testing::TempDir;

TEST(MemoryLimitTest, OptionsFieldBoundsTheEngineAndIsCharged) {
  TempDir dir;
  Options o = testing::TestDatabaseOptions();
  o.memory_limit_bytes = 64u << 20;
  auto db = Database::Open(o, dir.path());
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  MemoryAccountant* memory = (*db)->memory();
  ASSERT_TRUE(memory->limited());
  EXPECT_EQ(memory->limit(), 64u << 20);
  EXPECT_EQ(memory->index().limit(), 16u << 20);
  EXPECT_EQ(memory->requests().limit(), 16u << 20);
  // Queries' eighth in two halves: overtone's tables, SQLite's heap.
  EXPECT_EQ(memory->queries().limit(), 4u << 20);
  EXPECT_EQ(memory->split().sqlite_bytes, 4u << 20);

  const size_t index_before = memory->index().in_use();
  WriteBatch b;
  for (int i = 0; i < 1000; ++i) b.Add({{"__name__", "m"}, {"i", std::to_string(i)}}, 1000, i);
  ASSERT_TRUE((*db)->Write(b).ok());
  // Each series' label set and hash table nodes are charged to the index share.
  EXPECT_GE(memory->index().in_use(), index_before + 1000 * 100);
  EXPECT_EQ(memory->index().in_use(), (*db)->GetStats().index_memory_bytes);
  // The memtables are charged to the block cache, which is the storage's usage.
  EXPECT_GT(memory->storage_in_use(), 0u);
  EXPECT_LE(memory->storage_in_use(), memory->split().storage_bytes);
  EXPECT_FALSE(memory->under_pressure());

  // The index's charge goes when the database does.
  db->reset();
}

// The caches' share is divided among the caches whole, and at 2 GiB gives
// remote read's XOR chunk cache what it holds without a limit (a day of
// 1,700 series), leaving a sixteenth of the limit to nothing's share.
TEST(MemoryLimitTest, TheCachesShareGivesXorChunksTheirDefaultAtTwoGiB) {
  for (size_t limit : {kMinMemoryLimit, size_t{2} << 30, size_t{64} << 30}) {
    SCOPED_TRACE(limit);
    const MemorySplit s = SplitMemoryLimit(limit);
    EXPECT_EQ(s.xor_chunk_cache_bytes + s.decoded_frame_cache_bytes + s.timestamp_column_cache_bytes +
                  s.summary_cache_bytes,
              s.cache_bytes);
    EXPECT_LE(
        s.storage_bytes + s.index_bytes + s.cache_bytes + s.request_bytes + s.query_bytes + s.sqlite_bytes,
        limit - limit / 16);
  }
  EXPECT_GE(SplitMemoryLimit(size_t{2} << 30).xor_chunk_cache_bytes, Options{}.xor_chunk_cache_bytes);
}

TEST(MemoryLimitTest, RefusesALimitTooSmallAndCountsWithoutOne) {
  TempDir dir;
  Options o = testing::TestDatabaseOptions();
  o.memory_limit_bytes = 16u << 20;
  auto small = Database::Open(o, dir.path());
  ASSERT_FALSE(small.ok());
  EXPECT_EQ(small.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(small.status().message().find("32 MiB"), std::string::npos);

  o.memory_limit_bytes = 0;
  auto db = Database::Open(o, dir.path());
  ASSERT_TRUE(db.ok());
  EXPECT_FALSE((*db)->memory()->limited());
  ASSERT_TRUE((*db)->Append({{"__name__", "m"}}, 1, 1).ok());
  EXPECT_GT((*db)->memory()->index().in_use(), 0u);
  EXPECT_FALSE((*db)->memory()->under_pressure());
  EXPECT_TRUE((*db)->memory()->requests().TryReserve(size_t{1} << 40));  // no limit: nothing refused
}

Labels ChurnSeries(int n) {
  return {{"__name__", "churn_metric"},
          {"instance", "host-" + std::to_string(n) + ".example.org:9100"},
          {"job", "node"}};
}

// 1,000 active series, 10% replaced by new ones every simulated hour for 24
// hours, one compaction run per hour (the background compactor's role).
TEST(MemoryLimitTest, IndexStaysBoundedUnderChurnAndOldSeriesStayQueryable) {
  TempDir dir;
  auto opened = Database::Open(testing::TestDatabaseOptions(), dir.path());
  ASSERT_TRUE(opened.ok());
  Database* db = opened->get();
  constexpr int kActive = 1000, kReplaced = 100, kHours = 24;
  constexpr int64_t kHourMs = 3600 * 1000;
  int first = 0;  // the active series are first .. first + kActive - 1
  uint64_t memory_after_first_hour = 0;
  for (int hour = 0; hour < kHours; ++hour) {
    WriteBatch b;
    for (int n = first; n < first + kActive; ++n) b.Add(ChurnSeries(n), hour * kHourMs, n);
    ASSERT_TRUE(db->Write(b).ok());
    ASSERT_TRUE(db->Compact(hour * kHourMs - kHourMs).ok());
    DatabaseStats s = db->GetStats();
    EXPECT_EQ(s.series, static_cast<uint64_t>(first + kActive)) << "hour " << hour;
    // The series retired this hour went cold: only the active ones are in memory.
    if (hour > 0) {
      EXPECT_EQ(s.series_in_memory, static_cast<uint64_t>(kActive)) << "hour " << hour;
    }
    if (hour == 0) memory_after_first_hour = s.index_memory_bytes;
    first += kReplaced;
  }
  DatabaseStats end = db->GetStats();
  EXPECT_EQ(end.series, static_cast<uint64_t>(kActive + (kHours - 1) * kReplaced));
  // 3.3 times the series, well under twice the memory (a cold series keeps 32 bytes).
  EXPECT_LT(end.index_memory_bytes, 2 * memory_after_first_hour);

  // A series retired in the first hour: found by labels, by id, by matchers,
  // its sample read back, all from disk.
  auto id = db->FindSeries(ChurnSeries(7));
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(testing::ReadSeries(db, ChurnSeries(7)), (std::vector<Sample>{{0, 7}}));
  auto info = db->GetSeries(*id);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->labels, ChurnSeries(7));
  auto all = db->Select(std::vector<LabelMatcher>{{MatchType::kEqual, "__name__", "churn_metric"}});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), end.series);
  // A matcher that also accepts an absent label is applied to label sets read from the catalog.
  auto one = db->Select(std::vector<LabelMatcher>{{MatchType::kEqual, "job", "node"},
                                                  {MatchType::kRegexMatch, "instance", "host-7\\..*|"}});
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].id, *id);

  // Written to again, it comes back under the same id, in memory again.
  ASSERT_TRUE(db->Append(ChurnSeries(7), 99 * kHourMs, 70).ok());
  EXPECT_EQ(*db->FindSeries(ChurnSeries(7)), *id);
  EXPECT_EQ(db->GetStats().series_in_memory, static_cast<uint64_t>(kActive + 1));
  EXPECT_EQ(db->GetStats().series, end.series);
  EXPECT_EQ(testing::ReadSeries(db, ChurnSeries(7)), (std::vector<Sample>{{0, 7}, {99 * kHourMs, 70}}));

  // A cold series can be deleted.
  auto cold = db->FindSeries(ChurnSeries(8));
  ASSERT_TRUE(cold.ok());
  ASSERT_TRUE(db->DeleteSeries(*cold).ok());
  EXPECT_FALSE(db->FindSeries(ChurnSeries(8)).ok());
  EXPECT_EQ(db->GetStats().series, end.series - 1);

  // After a reopen every series is found again (all loaded, then cooled by compaction runs).
  opened->reset();
  auto again = Database::Open(testing::TestDatabaseOptions(), dir.path());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->GetStats().series, end.series - 1);
  EXPECT_EQ(*(*again)->FindSeries(ChurnSeries(7)), *id);
}

}  // namespace
}  // namespace overtone
