// An instant-vector selector reads, before its first step, only the latest
// sample of its lookback (MergedSampleIterator::SeekFromLatest,
// SeriesSamples::ReadFromLatest): on randomized series — raw only, sealed
// only, both (with and without shared timestamp columns), with staleness
// markers, late writes over sealed samples, out-of-order samples and
// deleted ranges — every read and every instant-vector evaluation gives
// what the whole window gives, at every boundary: a reference time on a
// sample, on a marker, on a segment's last sample, between segments, one
// millisecond off, and a lookback starting on a sample.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "engine/range_functions.h"
#include "engine/series_samples.h"
#include "overtone/database.h"
#include "tests/support/test_util.h"

namespace overtone {
namespace {

constexpr int64_t kMinute = 60 * 1000;
constexpr int kSeries = 4;  // 0-2 scraped together (a shared column), 3 drifts

bool SameBits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// The old read: every sample in [min_ts, max_ts], then of those at or
// before ref_ts only the latest.
std::vector<Sample> ExpectedFromLatest(const std::vector<Sample>& all, int64_t min_ts, int64_t ref_ts,
                                       int64_t max_ts) {
  std::vector<Sample> out;
  for (const Sample& s : all) {
    if (s.ts < min_ts || s.ts > max_ts) continue;
    if (s.ts <= ref_ts && !out.empty() && out.back().ts <= ref_ts) out.pop_back();
    out.push_back(s);
  }
  return out;
}

struct Point {
  SeriesId id;
  int64_t t, sample_ts;
  double value;
};

// The instant vector's definition applied to a whole series.
void ExpectedInstantVector(SeriesId id, const std::vector<Sample>& all, const InstantVectorQuery& q,
                           std::vector<Point>* out) {
  for (int64_t t = q.start; t <= q.end; t += q.step) {
    const int64_t ref = t - q.offset;
    auto after =
        std::upper_bound(all.begin(), all.end(), ref, [](int64_t r, const Sample& s) { return r < s.ts; });
    const Sample* latest = after == all.begin() ? nullptr : &*(after - 1);
    if (latest == nullptr || latest->ts <= ref - q.lookback || IsStaleNaN(latest->value)) continue;
    out->push_back({id, t, latest->ts, latest->value});
  }
}

class LatestSampleTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    Options o;
    o.compaction_interval_ms = 0;
    o.segment_span_ms = 20 * kMinute;  // many segments, and boundaries to fall on
    auto r = Database::Open(o, dir_.path());
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    db_ = std::move(*r);
  }
  static Labels Series(int s) { return {{"__name__", "m"}, {"s", std::to_string(s)}}; }

  // Scrapes every 15 s over [from, to), ~4% staleness markers; series 3 is
  // 1 ms off the others.
  void Scrape(int64_t from, int64_t to) {
    WriteBatch b;
    for (int64_t t = from; t < to; t += 15000) {
      for (int s = 0; s < kSeries; ++s) {
        const int64_t ts = s == 3 ? t + 1 : t;
        const double v = rng_() % 25 == 0 ? StaleNaN() : static_cast<double>(rng_() % 1000) / 8;
        b.Add(Series(s), ts, v);
        truth_[s][ts] = v;
      }
    }
    ASSERT_TRUE(db_->Write(b).ok());
  }
  // Late and out-of-order samples at random times in [from, to): some on
  // an existing sample (it replaces it), some between samples; markers too.
  void WriteLate(int64_t from, int64_t to, int n) {
    WriteBatch b;
    for (int k = 0; k < n; ++k) {
      const int s = static_cast<int>(rng_() % kSeries);
      int64_t ts = from + static_cast<int64_t>(rng_() % static_cast<uint64_t>(to - from));
      if (rng_() % 2 == 0) ts -= ts % 15000 + (s == 3 ? -1 : 0);  // on a scraped sample
      const double v = rng_() % 4 == 0 ? StaleNaN() : -static_cast<double>(k);
      b.Add(Series(s), ts, v);
      truth_[s][ts] = v;
    }
    ASSERT_TRUE(db_->Write(b).ok());
  }
  void Delete(int s, int64_t lo, int64_t hi) {
    ASSERT_TRUE(db_->DeleteRange(*db_->FindSeries(Series(s)), lo, hi).ok());
    auto& m = truth_[s];
    m.erase(m.lower_bound(lo), m.upper_bound(hi));
  }
  std::vector<Sample> Truth(int s) const {
    std::vector<Sample> out;
    for (auto [ts, v] : truth_[s]) out.push_back({ts, v});
    return out;
  }

  // Reference times worth trying: on, just before and just after samples
  // (segment edges among them), and random ones.
  std::vector<int64_t> ReferenceTimes(int64_t from, int64_t to) {
    std::vector<int64_t> out = {from - 1, from, to, to + 5 * kMinute};
    for (int s = 0; s < kSeries; ++s) {
      for (auto [ts, v] : truth_[s]) {
        if (rng_() % 20 != 0) continue;
        out.insert(out.end(), {ts - 1, ts, ts + 1});
      }
    }
    for (int k = 0; k < 40; ++k) out.push_back(from + static_cast<int64_t>(rng_() % (to - from)));
    return out;
  }

  // Every read and instant vector from reference times in `refs` agrees
  // with the whole window.
  void ExpectAgreement(int64_t from, int64_t to) {
    const std::vector<LabelMatcher> matchers = {{MatchType::kEqual, "__name__", "m"}};
    auto cursor = db_->NewSeriesCursor();
    ASSERT_TRUE(cursor.ok());
    std::vector<SeriesId> ids;
    for (int s = 0; s < kSeries; ++s) ids.push_back(*db_->FindSeries(Series(s)));
    for (int64_t ref : ReferenceTimes(from, to)) {
      const int64_t lookback = std::vector<int64_t>{15000, 15001, 60000, 5 * kMinute}[rng_() % 4];
      const int64_t span = std::vector<int64_t>{0, 0, 1, 45000, 10 * kMinute}[rng_() % 5];
      for (int s = 0; s < kSeries; ++s) {
        engine::SeriesSamples got;
        ASSERT_TRUE(
            got.ReadFromLatest(cursor->get(), ids[s], ref - lookback + 1, ref, ref + span, nullptr).ok());
        const std::vector<Sample> want = ExpectedFromLatest(Truth(s), ref - lookback + 1, ref, ref + span);
        ASSERT_EQ(got.span().size(), want.size())
            << "series " << s << " ref " << ref << " lookback " << lookback << " span " << span;
        for (size_t i = 0; i < want.size(); ++i) {
          ASSERT_EQ(got.span()[i].ts, want[i].ts) << "series " << s << " ref " << ref;
          ASSERT_TRUE(SameBits(got.span()[i].value, want[i].value)) << "series " << s << " ref " << ref;
        }
      }
      InstantVectorQuery q;
      q.offset = std::vector<int64_t>{0, 0, 7 * kMinute, -30000}[rng_() % 4];
      q.start = ref + q.offset;
      q.end = q.start + span;
      q.step = std::max(std::vector<int64_t>{1, 15000, 10000, 60000}[rng_() % 4], span / 100);
      q.lookback = lookback;
      std::vector<Point> got, want;
      ASSERT_TRUE(EvaluateInstantVector(db_.get(), matchers, q,
                                        [&](const SeriesInfo& info, int64_t t, int64_t ts, double v) {
                                          got.push_back({info.id, t, ts, v});
                                          return Status::OK();
                                        })
                      .ok());
      for (int s = 0; s < kSeries; ++s) ExpectedInstantVector(ids[s], Truth(s), q, &want);
      std::stable_sort(want.begin(), want.end(), [](const Point& a, const Point& b) { return a.id < b.id; });
      std::stable_sort(got.begin(), got.end(), [](const Point& a, const Point& b) { return a.id < b.id; });
      ASSERT_EQ(got.size(), want.size()) << "ref " << ref << " lookback " << lookback;
      for (size_t i = 0; i < want.size(); ++i) {
        ASSERT_EQ(got[i].id, want[i].id);
        ASSERT_EQ(got[i].t, want[i].t) << "ref " << ref;
        ASSERT_EQ(got[i].sample_ts, want[i].sample_ts) << "ref " << ref << " t " << got[i].t;
        ASSERT_TRUE(SameBits(got[i].value, want[i].value)) << "ref " << ref << " t " << got[i].t;
      }
    }
  }

  testing::TempDir dir_;
  std::unique_ptr<Database> db_;
  std::mt19937_64 rng_{static_cast<uint64_t>(GetParam()) * 7919 + 1};
  std::map<int64_t, double> truth_[kSeries];
};

constexpr int64_t kEnd = 3 * 60 * kMinute;

TEST_P(LatestSampleTest, RawOnly) {
  Scrape(0, kEnd);
  WriteLate(0, kEnd, 30);
  Delete(1, 40 * kMinute, 55 * kMinute);
  ExpectAgreement(0, kEnd);
}

TEST_P(LatestSampleTest, SealedOnly) {
  Scrape(0, kEnd);
  WriteLate(0, kEnd, 30);
  ASSERT_TRUE(db_->Compact(kMaxTime).ok());
  Delete(2, 61 * kMinute, 79 * kMinute);  // rewrites the segments it touches
  Delete(3, 100 * kMinute, 100 * kMinute + 1);
  ExpectAgreement(0, kEnd);
}

TEST_P(LatestSampleTest, SealedThenRawWithLateWritesOverSealedSamples) {
  Scrape(0, 2 * kEnd / 3);
  ASSERT_TRUE(db_->Compact(kEnd / 2).ok());
  Scrape(2 * kEnd / 3, kEnd);
  // Late samples over the sealed part (a raw sample replaces the sealed one
  // at its time) and out of order across the raw part; a deletion across
  // the seal.
  WriteLate(0, kEnd, 60);
  Delete(0, kEnd / 2 - 2 * kMinute, kEnd / 2 + 2 * kMinute);
  ExpectAgreement(0, kEnd);
  // Sealed again, raw newer than sealed and sealed newer than raw.
  ASSERT_TRUE(db_->Compact(2 * kEnd / 3).ok());
  WriteLate(kEnd / 3, kEnd, 40);
  ExpectAgreement(0, kEnd);
}

INSTANTIATE_TEST_SUITE_P(Seeds, LatestSampleTest, ::testing::Range(0, 4));

class LatestSampleReadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Options o;
    o.compaction_interval_ms = 0;
    auto r = Database::Open(o, dir_.path());
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    db_ = std::move(*r);
  }
  // Samples read by an instant vector at t with a 5-minute lookback.
  uint64_t SamplesReadAt(int64_t t) {
    InstantVectorQuery q;
    q.start = q.end = t;
    const std::vector<LabelMatcher> matchers = {{MatchType::kEqual, "__name__", "m"}};
    const uint64_t before = db_->GetStats().samples_scanned;
    size_t points = 0;
    EXPECT_TRUE(
        EvaluateInstantVector(db_.get(), matchers, q, [&](const SeriesInfo&, int64_t, int64_t, double) {
          ++points;
          return Status::OK();
        }).ok());
    EXPECT_EQ(points, 1u);
    return db_->GetStats().samples_scanned - before;
  }
  testing::TempDir dir_;
  std::unique_ptr<Database> db_;
};

// The point of it: of the 20 sealed samples in a 5-minute lookback at
// 15 s, one is read (one FLAC value); a raw sample that replaces the sealed
// one is read instead of it.
TEST_F(LatestSampleReadTest, AnInstantQueryReadsOneSealedSampleOfItsLookback) {
  WriteBatch b;
  for (int64_t t = 0; t < 60 * kMinute; t += 15000) b.Add({{"__name__", "m"}}, t, static_cast<double>(t));
  ASSERT_TRUE(db_->Write(b).ok());
  ASSERT_TRUE(db_->Compact(kMaxTime).ok());
  EXPECT_EQ(SamplesReadAt(40 * kMinute + 1000), 1u);
  WriteBatch late;
  late.Add({{"__name__", "m"}}, 40 * kMinute, -1);
  ASSERT_TRUE(db_->Write(late).ok());
  EXPECT_EQ(SamplesReadAt(40 * kMinute + 1000), 1u);
}

}  // namespace
}  // namespace overtone
