// Database::Check and corrupted data: clear errors naming the series and
// time range, never a crash, never silently wrong answers.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "overtone/database.h"
#include "overtone/over_time.h"
#include "storage/store.h"
#include "tests/support/test_util.h"

namespace overtone {
namespace {

constexpr int64_t kHour = 3600 * 1000;

Options NoBackground() {
  Options o;
  o.compaction_interval_ms = 0;
  return o;
}

void Fill(const std::string& dir) {
  auto db = Database::Open(NoBackground(), dir);
  ASSERT_TRUE(db.ok());
  WriteBatch b;
  for (int s = 0; s < 3; ++s) {
    for (int i = 0; i < 2000; ++i) b.Add({{"__name__", "m"}, {"s", std::to_string(s)}}, i * 15000, i % 100);
  }
  ASSERT_TRUE((*db)->Write(b).ok());
  ASSERT_TRUE((*db)->Compact(6 * kHour).ok());  // part sealed, part raw
}

TEST(CheckTest, HealthyDatabasePasses) {
  testing::TempDir dir;
  Fill(dir.path());
  auto db = Database::Open(NoBackground(), dir.path());
  ASSERT_TRUE(db.ok());
  auto report = (*db)->Check();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->ok()) << report->problems.front();
  EXPECT_EQ(report->series, 3u);
  EXPECT_EQ(report->postings, 6u);
  EXPECT_EQ(report->segments, 3u);
  EXPECT_EQ(report->segment_samples + report->raw_samples, 6000u);
}

TEST(CheckTest, CorruptSegmentIsReportedAndReadsFailClearly) {
  testing::TempDir dir;
  Fill(dir.path());
  {
    // Damage series 2's segment in place, as a bad disk would, below RocksDB's checks.
    auto store = storage::Store::Open(storage::StoreOptions{}, dir.path() + "/rocksdb");
    ASSERT_TRUE(store.ok());
    auto cursor = (*store)->NewSegmentCursor(2, kMinTime);
    ASSERT_TRUE(cursor->Valid());
    std::string bytes(cursor->bytes());
    int64_t key = cursor->max_ts();
    cursor.reset();
    bytes[bytes.size() / 2] ^= 0x40;
    storage::Batch batch(store->get());
    batch.PutSegment(2, key, bytes);
    ASSERT_TRUE((*store)->Commit(&batch).ok());
  }
  auto db = Database::Open(NoBackground(), dir.path());
  ASSERT_TRUE(db.ok());
  auto report = (*db)->Check();
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->problems.size(), 1u);
  EXPECT_NE(report->problems[0].find("series 2"), std::string::npos) << report->problems[0];
  EXPECT_NE(report->problems[0].find("checksum"), std::string::npos) << report->problems[0];

  auto it = (*db)->Scan(2, 0, kHour);
  ASSERT_TRUE(it.ok());
  size_t n = 0;
  for (; (*it)->Valid(); (*it)->Next()) ++n;
  EXPECT_EQ(n, 0u);
  EXPECT_EQ((*it)->status().code(), Status::Code::kCorruption);
  EXPECT_NE((*it)->status().message().find("series 2"), std::string::npos) << (*it)->status().ToString();
  // Other series are unaffected.
  auto fine = (*db)->Scan(1, 0, kHour);
  ASSERT_TRUE(fine.ok());
  EXPECT_TRUE((*fine)->Valid());
  // Queries say so too, instead of answering from the damaged data, with
  // summaries or without; healthy series still answer. (Series 2 is s="1".)
  auto noop = [](const SeriesInfo&, int64_t, double) { return Status::OK(); };
  OverTimeQuery q;
  q.fn = OverTimeFn::kAvg;
  q.start = q.end = 5 * kHour;
  q.range = 30 * 60000;  // a window inside the damaged segment: it must be decoded
  for (bool summaries : {true, false}) {
    q.use_summaries = summaries;
    auto damaged = *ParseSelector("m{s=\"1\"}");
    Status st = EvaluateOverTime(db->get(), damaged, q, noop);
    EXPECT_EQ(st.code(), Status::Code::kCorruption) << st.ToString();
    EXPECT_NE(st.message().find("series 2"), std::string::npos) << st.ToString();
    auto healthy = *ParseSelector("m{s=\"0\"}");
    EXPECT_TRUE(EvaluateOverTime(db->get(), healthy, q, noop).ok());
  }
}

TEST(CheckTest, FlippedBytesOnDiskNeverCrash) {
  testing::TempDir dir;
  Fill(dir.path());
  {
    auto db = Database::Open(NoBackground(), dir.path());
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Flush().ok());
  }
  // Flip bytes in the middle of every table file.
  int flipped = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path() + "/rocksdb")) {
    if (e.path().extension() != ".sst") continue;
    std::fstream f(e.path(), std::ios::in | std::ios::out | std::ios::binary);
    auto size = std::filesystem::file_size(e.path());
    for (uint64_t at : {size / 4, size / 3}) {
      f.seekg(static_cast<std::streamoff>(at));
      char c;
      f.read(&c, 1);
      c ^= 0x5a;
      f.seekp(static_cast<std::streamoff>(at));
      f.write(&c, 1);
    }
    ++flipped;
  }
  ASSERT_GT(flipped, 0);
  auto db = Database::Open(NoBackground(), dir.path());
  if (!db.ok()) {
    EXPECT_EQ(db.status().code(), Status::Code::kCorruption) << db.status().ToString();
    return;
  }
  auto report = (*db)->Check();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_FALSE(report->ok());
  for (SeriesId id = 1; id <= 3; ++id) {
    auto it = (*db)->Scan(id, kMinTime, kMaxTime);
    if (!it.ok()) continue;
    for (; (*it)->Valid(); (*it)->Next()) {
    }
  }
}

}  // namespace
}  // namespace overtone
