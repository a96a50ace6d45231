// Reads of part of a segment whose timestamps are in a shared column with a
// frame index: Store::DecodeStoredSegment decodes only the column's frames
// that hold the range, keeps the column with those frames in the cache
// (TimestampColumnCache), and answers exactly as the whole column does.

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "storage/codec/segment.h"
#include "storage/codec/timestamp_column.h"
#include "storage/store.h"
#include "storage/timestamp_column_cache.h"
#include "tests/support/test_util.h"

namespace overtone::storage {
namespace {

constexpr int kSeries = 3;
constexpr size_t kCount = 1440;  // 6 hours at 15 s: 6 frames of 256 deltas

class SharedColumnReadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Scrapes every 15 s with up to 2 ms of jitter, as the emulator writes
    // them: a column FLAC-framed deltas hold in fewer bytes than
    // delta-of-delta, so it gets a frame index.
    std::mt19937_64 rng(7);
    int64_t t = 1714500000000;
    for (size_t i = 0; i < kCount; ++i, t += 15000) ts_.push_back(t + static_cast<int64_t>(rng() % 3));
    EncodeTimestampColumn(ts_, &column_);
    ASSERT_TRUE(HasTimestampColumnIndex(column_));
    key_ = TimestampColumnKey(column_);
    for (int s = 0; s < kSeries; ++s) {
      for (size_t i = 0; i < kCount; ++i)
        samples_[s].push_back({ts_[i], static_cast<double>((i * 7 + s) % 100)});
    }
    Open();
    Batch batch(store_.get());
    batch.PutTimestampColumn(key_, column_);
    for (int s = 0; s < kSeries; ++s) {
      std::string seg;
      ASSERT_TRUE(EncodeSegmentWithColumn(samples_[s], SegmentOptions{}, key_, &seg).ok());
      segments_[s] = seg;
      batch.PutSegment(static_cast<SeriesId>(s + 1), ts_.back(), seg);
    }
    ASSERT_TRUE(store_->Commit(&batch).ok());
  }

  // Opened again: the column cache empty, as after a restart.
  void Open() {
    store_.reset();
    auto st = Store::Open(StoreOptions{}, dir_.path() + "/rocksdb");
    ASSERT_TRUE(st.ok()) << st.status().ToString();
    store_ = std::move(*st);
  }

  std::vector<Sample> Read(int s, int64_t lo, int64_t hi) {
    SegmentView view;
    EXPECT_TRUE(ParseSegment(segments_[s], &view).ok());
    EXPECT_TRUE(view.shared_timestamps());
    std::vector<Sample> out;
    Status st = store_->DecodeStoredSegment(view, lo, hi, nullptr, &out);
    EXPECT_TRUE(st.ok()) << st.ToString();
    return out;
  }
  std::vector<Sample> Want(int s, int64_t lo, int64_t hi) {
    std::vector<Sample> out;
    for (const Sample& x : samples_[s]) {
      if (x.ts >= lo && x.ts <= hi) out.push_back(x);
    }
    return out;
  }
  // Ranges inside frames, on frame edges, on, before and after timestamps,
  // the first and last frames, and past either end.
  std::vector<std::pair<int64_t, int64_t>> Ranges() {
    std::vector<std::pair<int64_t, int64_t>> out = {
        {ts_.front(), ts_.back()}, {ts_.front() - 1000, ts_[10]}, {ts_[kCount - 5], ts_.back() + 1000},
        {ts_[256], ts_[512]},      {ts_[255] + 1, ts_[513] - 1},  {ts_[kCount - 240], ts_.back()},
        {ts_[700], ts_[700]},      {ts_[700] + 1, ts_[701] - 1}};
    std::mt19937_64 rng(11);
    for (int i = 0; i < 40; ++i) {
      int64_t a = ts_.front() - 20000 + static_cast<int64_t>(rng() % (kCount * 15000 + 40000));
      int64_t b = a + static_cast<int64_t>(rng() % (4 * 3600 * 1000));
      out.emplace_back(a, b);
    }
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  std::vector<int64_t> ts_;
  std::string column_;
  uint64_t key_ = 0;
  std::vector<Sample> samples_[kSeries];
  std::string segments_[kSeries];
};

TEST_F(SharedColumnReadTest, APartialReadEqualsTheSliceOfTheSegmentFreshOrCached) {
  for (const auto& [lo, hi] : Ranges()) {
    Open();  // the column read in part, from the store, then cached with some of its frames
    for (int s = 0; s < kSeries; ++s) ASSERT_EQ(Read(s, lo, hi), Want(s, lo, hi)) << lo << ".." << hi;
  }
  // The same with the column decoded whole first.
  Open();
  ASSERT_TRUE(store_->TimestampColumn(key_).ok());
  for (const auto& [lo, hi] : Ranges()) ASSERT_EQ(Read(0, lo, hi), Want(0, lo, hi));
}

TEST_F(SharedColumnReadTest, ALastHourDecodesTwoFramesOnceAndKeepsTheColumn) {
  const int64_t lo = ts_.back() - 3600 * 1000, hi = ts_.back();
  ASSERT_EQ(Read(0, lo, hi), Want(0, lo, hi));
  auto found = store_->TimestampColumnForRead(key_, nullptr);
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->whole, nullptr);
  ASSERT_NE(found->framed, nullptr);
  EXPECT_EQ(found->framed->reader().frames_decoded(), 2u);  // frames 4 and 5 of 6
  EXPECT_GT(store_->TimestampColumnCacheBytes(), 0u);
  // The other series of the target find it decoded: no frame decoded again.
  for (int s = 1; s < kSeries; ++s) ASSERT_EQ(Read(s, lo, hi), Want(s, lo, hi));
  auto again = store_->TimestampColumnForRead(key_, nullptr);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->framed, found->framed);
  EXPECT_EQ(again->framed->reader().frames_decoded(), 2u);
  // A read of the whole segment decodes the column whole, which replaces it.
  ASSERT_EQ(Read(0, kMinTime, kMaxTime), samples_[0]);
  auto whole = store_->TimestampColumnForRead(key_, nullptr);
  ASSERT_TRUE(whole.ok());
  ASSERT_NE(whole->whole, nullptr);
  EXPECT_EQ(*whole->whole, ts_);
  EXPECT_EQ(whole->framed, nullptr);
}

TEST_F(SharedColumnReadTest, AColumnDisagreeingWithTheSegmentIsCorruption) {
  // A segment of one timestamp fewer referring to the column.
  std::vector<Sample> shorter(samples_[0].begin(), samples_[0].end() - 1);
  std::string seg;
  ASSERT_TRUE(EncodeSegmentWithColumn(shorter, SegmentOptions{}, key_, &seg).ok());
  SegmentView view;
  ASSERT_TRUE(ParseSegment(seg, &view).ok());
  std::vector<Sample> out;
  EXPECT_TRUE(store_->DecodeStoredSegment(view, ts_[1000], ts_[1100], nullptr, &out).code() ==
              Status::Code::kCorruption);
  EXPECT_TRUE(out.empty());
}

TEST(TimestampColumnCacheTest, EntriesAreChargedTheirCountAndAWholeColumnReplacesAFramedOne) {
  std::vector<int64_t> ts;
  for (int64_t i = 0; i < 600; ++i) ts.push_back(i * 15000 + (i * 7) % 3);
  std::string column;
  EncodeTimestampColumn(ts, &column);
  ASSERT_TRUE(HasTimestampColumnIndex(column));
  const size_t charge = ts.size() + column.size() / sizeof(int64_t);
  TimestampColumnCache cache(2 * charge);
  auto framed = FramedTimestampColumn::Open(column);
  ASSERT_TRUE(framed.ok());
  cache.InsertFramed(1, *framed);
  EXPECT_EQ(cache.FindFramed(1), *framed);
  EXPECT_EQ(cache.Find(1), nullptr);
  EXPECT_EQ(cache.bytes(), charge * sizeof(int64_t) + 160);
  auto whole = std::make_shared<const std::vector<int64_t>>(ts);
  cache.Insert(1, whole);
  EXPECT_EQ(cache.Find(1), whole);
  EXPECT_EQ(cache.FindFramed(1), nullptr);
  cache.InsertFramed(1, *framed);  // the whole column stays
  EXPECT_EQ(cache.Find(1), whole);
  // Two more framed columns: the least recently used goes.
  cache.InsertFramed(2, *framed);
  EXPECT_NE(cache.Find(1), nullptr);  // 1 used: 2 is the older now
  cache.InsertFramed(3, *framed);
  EXPECT_EQ(cache.FindFramed(2), nullptr);
  EXPECT_EQ(cache.FindFramed(3), *framed);
  EXPECT_NE(cache.Find(1), nullptr);
  // A corrupt column does not open.
  std::string bad = column;
  bad[bad.size() / 2] ^= 1;
  EXPECT_FALSE(FramedTimestampColumn::Open(bad).ok());
}

}  // namespace
}  // namespace overtone::storage
