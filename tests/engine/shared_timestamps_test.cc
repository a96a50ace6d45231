// Shared timestamp columns (docs/FORMAT.md): series scraped together store
// their timestamps once; a series that drifts stores its own; rewriting,
// deleting and crashes keep every sample exactly once and every column a
// segment refers to in place.

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "overtone/database.h"
#include "storage/store.h"
#include "tests/support/test_util.h"

namespace overtone {
namespace {

using testing::kMax;
using testing::kMin;

constexpr int64_t kHour = 3600 * 1000;
constexpr int kHosts = 7;  // series scraped together

class SharedTimestampsTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen(bool share = true) {
    db_.reset();
    Options o;
    o.compaction_interval_ms = 0;
    o.segment_span_ms = 2 * kHour;
    o.share_timestamp_columns = share;
    auto r = Database::Open(o, dir_.path());
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    db_ = std::move(*r);
  }
  static Labels Series(int s) { return {{"__name__", "m"}, {"s", std::to_string(s)}}; }
  SeriesId Id(int s) { return *db_->FindSeries(Series(s)); }
  // Value of series s at ts: distinct per series, decimal (FLAC-friendly).
  static double Value(int s, int64_t ts) { return static_cast<double>((ts / 1000 + s * 37) % 1000) / 10; }

  // Scrapes every 15 s over [from, to) with a little jitter common to all
  // series; `drift` series s is shifted by 1 ms.
  void Scrape(int64_t from, int64_t to, int drift = -1) {
    WriteBatch b;
    for (int64_t t = from, i = 0; t < to; t += 15000, ++i) {
      int64_t ts = t + (i * 7) % 5;
      for (int s = 0; s < kHosts; ++s) {
        int64_t own = s == drift ? ts + 1 : ts;
        b.Add(Series(s), own, Value(s, own));
        truth_[s][own] = Value(s, own);
      }
    }
    ASSERT_TRUE(db_->Write(b).ok());
  }
  void ExpectTruth() {
    for (int s = 0; s < kHosts; ++s) {
      auto got = testing::ScanAll(db_.get(), Id(s));
      std::vector<Sample> want;
      for (auto [ts, v] : truth_[s]) want.push_back({ts, v});
      ASSERT_EQ(got, want) << "series " << s;
    }
  }
  std::vector<SegmentInfo> Segments(SeriesId id = 0) {
    std::vector<SegmentInfo> out;
    EXPECT_TRUE(db_->ForEachSegment(id,
                                    [&](const SegmentInfo& s) {
                                      out.push_back(s);
                                      return Status::OK();
                                    })
                    .ok());
    return out;
  }
  CheckReport Check() {
    auto r = db_->Check();
    EXPECT_TRUE(r.ok());
    EXPECT_TRUE(r->ok()) << r->problems.front();
    return *r;
  }

  testing::TempDir dir_;
  std::unique_ptr<Database> db_;
  std::map<int, std::map<int64_t, double>> truth_;
};

TEST_F(SharedTimestampsTest, SeriesScrapedTogetherStoreTheirTimestampsOnce) {
  Scrape(0, 4 * kHour);
  ASSERT_TRUE(db_->Compact(4 * kHour).ok());
  auto segments = Segments();
  ASSERT_EQ(segments.size(), 2u * kHosts);
  for (const SegmentInfo& s : segments) {
    EXPECT_TRUE(s.shared_timestamps);
    EXPECT_EQ(s.timestamp_bytes, 8u);  // the reference
  }
  CheckReport report = Check();
  EXPECT_EQ(report.timestamp_columns, 2u);  // one a window
  EXPECT_EQ(report.unreferenced_timestamp_columns, 0u);
  ExpectTruth();
  // Fewer bytes than the same data without sharing.
  uint64_t shared_bytes = report.timestamp_column_bytes;
  for (const SegmentInfo& s : segments) shared_bytes += s.bytes;
  testing::TempDir other;
  {
    Options o;
    o.compaction_interval_ms = 0;
    o.segment_span_ms = 2 * kHour;
    o.share_timestamp_columns = false;
    auto db = std::move(*Database::Open(o, other.path()));
    WriteBatch b;
    for (int s = 0; s < kHosts; ++s) {
      for (auto [ts, v] : truth_[s]) b.Add(Series(s), ts, v);
    }
    ASSERT_TRUE(db->Write(b).ok());
    ASSERT_TRUE(db->Compact(4 * kHour).ok());
    uint64_t own_bytes = 0;
    ASSERT_TRUE(db->ForEachSegment(0, [&](const SegmentInfo& s) {
                    EXPECT_FALSE(s.shared_timestamps);
                    own_bytes += s.bytes;
                    return Status::OK();
                  }).ok());
    EXPECT_LT(shared_bytes * 10, own_bytes * 9) << shared_bytes << " vs " << own_bytes;
  }
}

TEST_F(SharedTimestampsTest, SeriesThatDriftsStoresItsOwnThenSharesAgain) {
  Scrape(0, 2 * kHour);
  Scrape(2 * kHour, 4 * kHour, /*drift=*/3);
  Scrape(4 * kHour, 6 * kHour);
  ASSERT_TRUE(db_->Compact(6 * kHour).ok());
  for (const SegmentInfo& s : Segments(Id(3))) EXPECT_TRUE(s.shared_timestamps);
  CheckReport report = Check();
  // Windows 1 and 3 one column each; window 2 one for the six, one for the drifter.
  EXPECT_EQ(report.timestamp_columns, 4u);
  ExpectTruth();
}

TEST_F(SharedTimestampsTest, LateSampleRewritesOneSeriesAndKeepsTheOthersColumn) {
  Scrape(0, 2 * kHour);
  ASSERT_TRUE(db_->Compact(2 * kHour).ok());
  EXPECT_EQ(Check().timestamp_columns, 1u);
  WriteBatch late;
  late.Add(Series(0), kHour + 1234, 42.5);
  truth_[0][kHour + 1234] = 42.5;
  ASSERT_TRUE(db_->Write(late).ok());
  ExpectTruth();
  ASSERT_TRUE(db_->Compact(2 * kHour).ok());
  CheckReport report = Check();
  EXPECT_EQ(report.timestamp_columns, 2u);  // the others' column stays
  EXPECT_EQ(report.unreferenced_timestamp_columns, 0u);
  ExpectTruth();
}

TEST_F(SharedTimestampsTest, DeletingSeriesKeepsTheColumnUntilTheLastGoes) {
  Scrape(0, 2 * kHour);
  ASSERT_TRUE(db_->Compact(2 * kHour).ok());
  for (int s = 1; s < kHosts; ++s) ASSERT_TRUE(db_->DeleteSeries(Id(s)).ok());
  ASSERT_TRUE(db_->Compact(2 * kHour).ok());
  CheckReport report = Check();
  EXPECT_EQ(report.timestamp_columns, 1u);
  EXPECT_EQ(report.unreferenced_timestamp_columns, 0u);
  std::vector<Sample> want;
  for (auto [ts, v] : truth_[0]) want.push_back({ts, v});
  EXPECT_EQ(testing::ScanAll(db_.get(), Id(0)), want);

  ASSERT_TRUE(db_->DeleteSeries(Id(0)).ok());
  // Until the next run the column stays, referenced by nothing: no problem.
  report = Check();
  EXPECT_EQ(report.timestamp_columns, 1u);
  EXPECT_EQ(report.unreferenced_timestamp_columns, 1u);
  ASSERT_TRUE(db_->Compact(2 * kHour).ok());
  EXPECT_EQ(Check().timestamp_columns, 0u);
}

TEST_F(SharedTimestampsTest, DeleteRangeOfOneSeriesLeavesTheOthersIntact) {
  Scrape(0, 4 * kHour);
  ASSERT_TRUE(db_->Compact(4 * kHour).ok());
  ASSERT_TRUE(db_->DeleteRange(Id(2), kHour, 3 * kHour).ok());
  std::erase_if(truth_[2], [](const auto& kv) { return kv.first >= kHour && kv.first <= 3 * kHour; });
  ExpectTruth();
  ASSERT_TRUE(db_->Compact(4 * kHour).ok());
  CheckReport report = Check();
  EXPECT_EQ(report.unreferenced_timestamp_columns, 0u);
  ExpectTruth();
  // The same range of every series: its windows' columns lose every user.
  for (int s = 0; s < kHosts; ++s) {
    if (s != 2) {
      ASSERT_TRUE(db_->DeleteRange(Id(s), kHour, 3 * kHour).ok());
    }
    std::erase_if(truth_[s], [](const auto& kv) { return kv.first >= kHour && kv.first <= 3 * kHour; });
  }
  ASSERT_TRUE(db_->Compact(4 * kHour).ok());
  report = Check();
  EXPECT_EQ(report.unreferenced_timestamp_columns, 0u);
  EXPECT_EQ(report.timestamp_columns, 2u);  // the two halves left, shared by all again
  ExpectTruth();
}

TEST_F(SharedTimestampsTest, ReadsAfterReopenAndWithSharingTurnedOff) {
  Scrape(0, 4 * kHour);
  ASSERT_TRUE(db_->Compact(4 * kHour).ok());
  Reopen(/*share=*/false);
  ExpectTruth();
  Scrape(4 * kHour, 6 * kHour);
  ASSERT_TRUE(db_->Compact(6 * kHour).ok());
  for (const SegmentInfo& s : Segments()) EXPECT_EQ(s.shared_timestamps, s.max_ts < 4 * kHour);
  EXPECT_EQ(Check().timestamp_columns, 2u);
  ExpectTruth();
}

// A column lost below the database (a bad disk) is a problem `check`
// reports, and reads of the segments that need it fail rather than answer.
TEST_F(SharedTimestampsTest, MissingOrDamagedColumnIsReportedAndReadsFail) {
  Scrape(0, 2 * kHour);
  ASSERT_TRUE(db_->Compact(2 * kHour).ok());
  db_.reset();
  {
    auto store = storage::Store::Open(storage::StoreOptions{}, dir_.path() + "/rocksdb");
    ASSERT_TRUE(store.ok());
    std::vector<uint64_t> keys;
    ASSERT_TRUE((*store)
                    ->ForEachTimestampColumn(nullptr,
                                             [&](uint64_t key, std::string_view) {
                                               keys.push_back(key);
                                               return Status::OK();
                                             })
                    .ok());
    ASSERT_EQ(keys.size(), 1u);
    storage::Batch batch(store->get());
    batch.DeleteTimestampColumn(keys[0]);
    batch.PutTimestampColumn(keys[0] + 1, "not a column");
    ASSERT_TRUE((*store)->Commit(&batch).ok());
  }
  Options o;
  o.compaction_interval_ms = 0;
  auto db = Database::Open(o, dir_.path());
  ASSERT_TRUE(db.ok());
  auto report = (*db)->Check();
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->problems.size(), static_cast<size_t>(kHosts) + 1) << report->problems.front();
  EXPECT_NE(report->problems[0].find("shared timestamp column"), std::string::npos) << report->problems[0];
  EXPECT_NE(report->problems.back().find("checksum"), std::string::npos) << report->problems.back();
  auto all = (*db)->Select({});
  ASSERT_TRUE(all.ok());
  auto it = (*db)->Scan(all->front().id, kMin, kMax);
  ASSERT_TRUE(it.ok());
  while ((*it)->Valid()) (*it)->Next();
  EXPECT_FALSE((*it)->status().ok());
}

}  // namespace
}  // namespace overtone
