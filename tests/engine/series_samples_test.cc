// Reading a series into the evaluating thread's buffer (engine/
// series_samples.h): the samples a Scan gives in the range, in batches
// across segments and raw samples, staleness markers dropped unless kept;
// a reader inside another gets a buffer of its own; a cancelled token stops
// a long read. One SeriesCursor (Database::NewSeriesCursor) read from
// series to series in any order gives what a Scan of each gives, from the
// view it was made with.

#include "engine/series_samples.h"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "tests/support/test_database.h"

namespace overtone {
namespace {

class SeriesSamplesTest : public testing::DatabaseTest {
 protected:
  // 10,000 samples 1 s apart, every 1,000th a staleness marker; the first
  // half sealed into segments, the rest raw.
  SeriesId WriteSeries() {
    const Labels labels = {{"__name__", "x"}};
    for (int64_t half : {0, 1}) {
      WriteBatch b;
      for (int64_t i = half * 5000; i < (half + 1) * 5000; ++i) {
        b.Add(labels, i * 1000, i % 1000 == 999 ? StaleNaN() : static_cast<double>(i));
      }
      EXPECT_TRUE(db_->Write(b).ok());
      if (half == 0) {
        EXPECT_TRUE(db_->Compact(kMaxTime).ok());
      }
    }
    return *db_->FindSeries(labels);
  }
};

TEST_F(SeriesSamplesTest, ReadsTheRangeAcrossBatchesWithMarkersOnlyWhenKept) {
  const SeriesId id = WriteSeries();
  engine::SeriesSamples samples;
  ASSERT_TRUE(samples.Read(db_.get(), id, 100 * 1000, 9000 * 1000, /*keep_stale=*/true, nullptr).ok());
  ASSERT_EQ(samples.span().size(), 8901u);
  for (size_t k = 0; k < samples.span().size(); ++k) ASSERT_EQ(samples.span()[k].ts, int64_t(100 + k) * 1000);
  ASSERT_TRUE(samples.Read(db_.get(), id, 100 * 1000, 9000 * 1000, /*keep_stale=*/false, nullptr).ok());
  ASSERT_EQ(samples.span().size(), 8901u - 9);
  for (const Sample& s : samples.span()) ASSERT_FALSE(IsStaleNaN(s.value));
  // Nothing in an empty range; a series that is gone reads as none.
  ASSERT_TRUE(samples.Read(db_.get(), id, 2, 1, true, nullptr).ok());
  EXPECT_TRUE(samples.span().empty());
  ASSERT_TRUE(samples.Read(db_.get(), id + 1000, kMinTime, kMaxTime, true, nullptr).ok());
  EXPECT_TRUE(samples.span().empty());
}

TEST_F(SeriesSamplesTest, AReaderInsideAnotherHasItsOwnBuffer) {
  const SeriesId id = WriteSeries();
  engine::SeriesSamples outer;
  ASSERT_TRUE(outer.Read(db_.get(), id, 0, 99 * 1000, true, nullptr).ok());
  {
    engine::SeriesSamples inner;
    ASSERT_TRUE(inner.Read(db_.get(), id, 0, 9 * 1000, true, nullptr).ok());
    EXPECT_EQ(inner.span().size(), 10u);
    EXPECT_NE(&inner.vector(), &outer.vector());
  }
  EXPECT_EQ(outer.span().size(), 100u);
}

TEST_F(SeriesSamplesTest, ACancelledTokenStopsALongRead) {
  const SeriesId id = WriteSeries();
  CancelToken token;
  token.Cancel(CancelReason::kShutdown);
  engine::SeriesSamples samples;
  EXPECT_FALSE(samples.Read(db_.get(), id, kMinTime, kMaxTime, true, &token).ok());
  // A read shorter than one batch finishes: the token is checked between batches.
  EXPECT_TRUE(samples.Read(db_.get(), id, 0, 999 * 1000, true, &token).ok());
}

std::vector<Sample> ScanAll(Database* db, SeriesId id, int64_t lo, int64_t hi) {
  std::vector<Sample> out;
  auto it = db->Scan(id, lo, hi);
  if (!it.ok()) return out;
  for (; (*it)->Valid(); (*it)->Next()) out.push_back((*it)->sample());
  return out;
}

bool SameSamples(std::span<const Sample> a, std::span<const Sample> b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].ts != b[i].ts || std::memcmp(&a[i].value, &b[i].value, sizeof(double)) != 0) return false;
  }
  return true;
}

TEST_F(SeriesSamplesTest, OneCursorReadsSeriesAfterSeriesAsScanDoes) {
  // Five series: sealed samples, then raw ones, and late raw samples that
  // replace sealed ones; series 2 has nothing but raw samples.
  std::vector<SeriesId> ids;
  for (int k = 0; k < 5; ++k) {
    const Labels labels = {{"__name__", "y"}, {"k", std::to_string(k)}};
    WriteBatch b;
    for (int64_t i = 0; i < 3000; ++i) b.Add(labels, i * 1000, static_cast<double>(i * (k + 1)));
    ASSERT_TRUE(db_->Write(b).ok());
    ids.push_back(*db_->FindSeries(labels));
  }
  ASSERT_TRUE(db_->Compact(2000 * 1000).ok());
  for (int k = 0; k < 5; ++k) {
    const Labels labels = {{"__name__", "y"}, {"k", std::to_string(k)}};
    WriteBatch b;
    if (k == 2) {
      ASSERT_TRUE(db_->DeleteRange(ids[2], kMinTime, kMaxTime).ok());
      for (int64_t i = 0; i < 3000; i += 7) b.Add(labels, i * 1000, -1.0 * static_cast<double>(i));
    }
    b.Add(labels, 1500 * 1000, 0.5 + k);  // late: replaces the sealed sample
    b.Add(labels, 3500 * 1000, StaleNaN());
    ASSERT_TRUE(db_->Write(b).ok());
  }
  auto cursor = db_->NewSeriesCursor();
  ASSERT_TRUE(cursor.ok()) << cursor.status().ToString();
  engine::SeriesSamples samples;
  struct Read {
    size_t series;
    int64_t lo, hi;
  };
  // Forward, backward, the same series twice, ranges inside a segment,
  // across the sealed and the raw samples, and past the end.
  const Read reads[] = {{0, kMinTime, kMaxTime},       {1, 1400 * 1000, 1600 * 1000},
                        {2, 0, 2500 * 1000},           {4, 1999 * 1000, 2001 * 1000},
                        {3, 3000 * 1000, kMaxTime},    {1, 10 * 1000, 20 * 1000},
                        {1, 2500 * 1000, 2600 * 1000}, {0, 1500 * 1000, 1500 * 1000}};
  for (const Read& r : reads) {
    SCOPED_TRACE(::testing::Message() << "series " << r.series << " [" << r.lo << ", " << r.hi << "]");
    ASSERT_TRUE(samples.Read(cursor->get(), ids[r.series], r.lo, r.hi, /*keep_stale=*/true, nullptr).ok());
    const std::vector<Sample> want = ScanAll(db_.get(), ids[r.series], r.lo, r.hi);
    EXPECT_FALSE(want.empty());
    EXPECT_TRUE(SameSamples(samples.span(), want));
  }
  // A series that is not there reads as none, and the next read is right.
  ASSERT_TRUE(samples.Read(cursor->get(), ids.back() + 100, kMinTime, kMaxTime, true, nullptr).ok());
  EXPECT_TRUE(samples.span().empty());
  EXPECT_TRUE((*cursor)->Seek(ids.back() + 100, kMinTime, kMaxTime).IsNotFound());
  ASSERT_TRUE(samples.Read(cursor->get(), ids[2], 2, 1, true, nullptr).ok());
  EXPECT_TRUE(samples.span().empty());
  ASSERT_TRUE(samples.Read(cursor->get(), ids[3], kMinTime, kMaxTime, true, nullptr).ok());
  EXPECT_TRUE(SameSamples(samples.span(), ScanAll(db_.get(), ids[3], kMinTime, kMaxTime)));

  // The cursor reads the database as it was when the cursor was made.
  const std::vector<Sample> before = ScanAll(db_.get(), ids[1], kMinTime, kMaxTime);
  WriteBatch later;
  later.Add({{"__name__", "y"}, {"k", "1"}}, 4000 * 1000, 1.0);
  ASSERT_TRUE(db_->Write(later).ok());
  ASSERT_TRUE(samples.Read(cursor->get(), ids[1], kMinTime, kMaxTime, true, nullptr).ok());
  EXPECT_TRUE(SameSamples(samples.span(), before));
  EXPECT_EQ(ScanAll(db_.get(), ids[1], kMinTime, kMaxTime).size(), before.size() + 1);
}

}  // namespace
}  // namespace overtone
