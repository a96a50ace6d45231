// Reading a series into the evaluating thread's buffer (engine/
// series_samples.h): the samples a Scan gives in the range, in batches
// across segments and raw samples, staleness markers dropped unless kept;
// a reader inside another gets a buffer of its own; a cancelled token stops
// a long read.

#include "engine/series_samples.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace overtone
