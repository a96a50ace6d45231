// Segments: sealing, merged reads, late samples, deletes, crash safety.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <bit>
#include <cmath>
#include <map>
#include <random>
#include <thread>

#include "overtone/database.h"
#include "overtone/over_time.h"
#include "tests/support/test_util.h"

namespace overtone {
namespace {

using testing::kMax;
using testing::kMin;

constexpr int64_t kHour = 3600 * 1000;

class CompactionTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen(int64_t span = 2 * kHour) {
    db_.reset();
    Options o;
    o.compaction_interval_ms = 0;  // tests call Compact() themselves
    o.segment_span_ms = span;
    o.flac_block_size = 64;
    auto r = Database::Open(o, dir_.path());
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    db_ = std::move(*r);
  }
  std::vector<Sample> ReadAll(SeriesId id, int64_t lo = kMin, int64_t hi = kMax) {
    return testing::ScanAll(db_.get(), id, lo, hi);
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
  SeriesId Id(const Labels& l) { return *db_->FindSeries(l); }

  testing::TempDir dir_;
  std::unique_ptr<Database> db_;
};

std::vector<Sample> CpuLike(int64_t start, int n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Sample> out;
  for (int i = 0; i < n; ++i) {
    double v =
        std::round((50 + 30 * std::sin(i / 100.0) + static_cast<double>(rng() % 100) / 50) * 100) / 100;
    out.push_back({start + i * 15000 + static_cast<int64_t>(rng() % 7), v});
  }
  return out;
}

TEST_F(CompactionTest, SealsClosedWindowsAndReadsBackBitExactly) {
  Labels l = {{"__name__", "cpu"}};
  auto samples = CpuLike(0, 2000, 1);  // ~8.3 hours
  samples[10].value = std::numeric_limits<double>::quiet_NaN();
  samples[11].value = StaleNaN();
  samples[12].value = std::numeric_limits<double>::infinity();
  WriteBatch b;
  b.Add(l, samples);
  ASSERT_TRUE(db_->Write(b).ok());

  auto stats = db_->Compact(6 * kHour + 1);  // seals [0h,2h) [2h,4h) [4h,6h)
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->segments_written, 3u);
  auto segs = Segments();
  ASSERT_EQ(segs.size(), 3u);
  EXPECT_EQ(segs[0].min_ts, samples[0].ts);
  EXPECT_LT(segs[2].max_ts, 6 * kHour);
  EXPECT_EQ(segs[0].codec, "flac");
  uint64_t sealed = 0;
  for (auto& s : segs) sealed += s.samples;
  EXPECT_EQ(sealed, stats->samples_sealed);

  EXPECT_EQ(ReadAll(Id(l)), samples);
  // A range inside one segment and one spanning segment and raw data.
  auto part = ReadAll(Id(l), samples[100].ts, samples[130].ts);
  EXPECT_EQ(part, std::vector<Sample>(samples.begin() + 100, samples.begin() + 131));
  auto across = ReadAll(Id(l), samples[1400].ts, samples[1500].ts);
  EXPECT_EQ(across, std::vector<Sample>(samples.begin() + 1400, samples.begin() + 1501));

  // Everything survives a reopen, and compacting again changes nothing.
  Reopen();
  EXPECT_EQ(ReadAll(Id(l)), samples);
  auto again = db_->Compact(6 * kHour + 1);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->segments_written, 0u);
}

TEST_F(CompactionTest, ScanOfAFewSegmentSamplesCountsOnlyThose) {
  Labels l = {{"__name__", "m"}};
  WriteBatch b;
  b.Add(l, CpuLike(0, 2000, 2));
  ASSERT_TRUE(db_->Write(b).ok());
  ASSERT_TRUE(db_->Compact(8 * kHour).ok());
  uint64_t before = db_->GetStats().samples_scanned;
  EXPECT_EQ(ReadAll(Id(l), 15000 * 100, 15000 * 109 + 6).size(), 10u);
  EXPECT_EQ(db_->GetStats().samples_scanned - before, 10u);
}

TEST_F(CompactionTest, LateSamplesAreVisibleAndResealedExactlyOnce) {
  Labels l = {{"__name__", "m"}};
  WriteBatch b;
  for (int i = 0; i < 100; ++i) b.Add(l, i * 60000, i);
  ASSERT_TRUE(db_->Write(b).ok());
  ASSERT_TRUE(db_->Compact(4 * kHour).ok());
  ASSERT_EQ(Segments().size(), 1u);  // 100 minutes: one window

  // A late sample between sealed ones and one replacing a sealed value.
  ASSERT_TRUE(db_->Append(l, 30 * 60000 + 1, 1000).ok());
  ASSERT_TRUE(db_->Append(l, 40 * 60000, -40).ok());
  auto got = ReadAll(Id(l));
  ASSERT_EQ(got.size(), 101u);
  EXPECT_EQ(got[31], (Sample{30 * 60000 + 1, 1000}));
  EXPECT_EQ(got[41], (Sample{40 * 60000, -40}));

  ASSERT_TRUE(db_->Compact(4 * kHour).ok());
  auto segs = Segments();
  ASSERT_EQ(segs.size(), 1u);
  EXPECT_EQ(segs[0].samples, 101u);
  EXPECT_EQ(ReadAll(Id(l)), got);
}

// NextBatch copies segment samples in runs up to the next raw sample: the
// same samples, in the same order, as stepping, whatever the batch size,
// with late raw samples between and on top of sealed ones.
TEST_F(CompactionTest, NextBatchGivesWhatSteppingGives) {
  Labels l = {{"__name__", "m"}};
  auto samples = CpuLike(0, 2000, 3);  // ~8.3 hours, 6 of them sealed below
  WriteBatch b;
  b.Add(l, samples);
  ASSERT_TRUE(db_->Write(b).ok());
  ASSERT_TRUE(db_->Compact(6 * kHour + 1).ok());
  WriteBatch late;
  for (int i : {0, 5, 6, 7, 300, 479, 480, 481, 1000, 1439}) {
    late.Add(l, samples[i].ts, -1.0 * i);     // replaces a sealed sample
    late.Add(l, samples[i].ts + 1, 0.5 * i);  // lands between two sealed ones
  }
  ASSERT_TRUE(db_->Write(late).ok());
  const SeriesId id = Id(l);
  for (auto [lo, hi] : {std::pair{kMin, kMax}, std::pair{samples[4].ts + 1, samples[1500].ts}}) {
    uint64_t before = db_->GetStats().samples_scanned;
    const std::vector<Sample> stepped = ReadAll(id, lo, hi);
    const uint64_t stepped_count = db_->GetStats().samples_scanned - before;
    ASSERT_GT(stepped.size(), 1000u);
    for (size_t batch : {size_t{1}, size_t{7}, size_t{120}, size_t{100000}}) {
      before = db_->GetStats().samples_scanned;
      auto it = db_->Scan(id, lo, hi);
      ASSERT_TRUE(it.ok());
      std::vector<Sample> got;
      while ((*it)->Valid()) {
        size_t had = got.size();
        const size_t n = (*it)->NextBatch(batch, &got);
        EXPECT_EQ(n, got.size() - had);
        EXPECT_TRUE(got.size() - had == batch || !(*it)->Valid()) << batch;
      }
      EXPECT_TRUE((*it)->status().ok());
      EXPECT_EQ(got, stepped) << "batch " << batch;
      EXPECT_EQ(db_->GetStats().samples_scanned - before, stepped_count) << "batch " << batch;
    }
  }
}

TEST_F(CompactionTest, ChangingTheSpanKeepsSegmentsDisjoint) {
  Labels l = {{"__name__", "m"}};
  WriteBatch b;
  for (int i = 0; i < 24 * 60; ++i) b.Add(l, i * 60000, i % 17);
  ASSERT_TRUE(db_->Write(b).ok());
  ASSERT_TRUE(db_->Compact(24 * kHour).ok());
  EXPECT_EQ(Segments().size(), 12u);

  Reopen(24 * kHour);  // now one window holds all twelve segments
  ASSERT_TRUE(db_->Append(l, 5 * kHour + 1, 99).ok());
  ASSERT_TRUE(db_->Compact(48 * kHour).ok());
  auto segs = Segments();
  ASSERT_EQ(segs.size(), 1u);
  EXPECT_EQ(segs[0].samples, 24u * 60 + 1);
  EXPECT_EQ(ReadAll(Id(l)).size(), 24u * 60 + 1);
}

TEST_F(CompactionTest, DeleteRangeRewritesSegmentsAndRaw) {
  Labels l = {{"__name__", "m"}};
  WriteBatch b;
  for (int i = 0; i < 600; ++i) b.Add(l, i * 60000, i);  // 10 hours
  ASSERT_TRUE(db_->Write(b).ok());
  ASSERT_TRUE(db_->Compact(6 * kHour).ok());
  ASSERT_TRUE(db_->DeleteRange(Id(l), 100 * 60000, 500 * 60000).ok());
  auto got = ReadAll(Id(l));
  ASSERT_EQ(got.size(), 199u);
  EXPECT_EQ(got[99].ts, 99 * 60000);
  EXPECT_EQ(got[100].ts, 501 * 60000);
  // A whole segment's range goes away with its segment.
  ASSERT_TRUE(db_->DeleteRange(Id(l), 0, 2 * kHour - 1).ok());
  for (auto& s : Segments()) EXPECT_GE(s.min_ts, 2 * kHour);
  ASSERT_TRUE(db_->DeleteSeries(Id(l)).ok());
  EXPECT_TRUE(Segments().empty());
}

// Sealing deletes the raw samples it read one by one (point tombstones):
// neighbouring series, samples of the open window and samples written after
// a sealing must all stay.
TEST_F(CompactionTest, SealingManySeriesDeletesExactlyTheSealedSamples) {
  constexpr int kSeries = 300;
  auto labels = [](int s) { return Labels{{"__name__", "m"}, {"s", std::to_string(s)}}; };
  WriteBatch b;
  for (int i = 0; i < 12; ++i) {  // 0h..5.5h: windows [0,2h) [2h,4h) sealed, [4h,6h) open
    for (int s = 0; s < kSeries; ++s) b.Add(labels(s), i * kHour / 2 + s, s * 100 + i);
  }
  ASSERT_TRUE(db_->Write(b).ok());
  auto stats = db_->Compact(4 * kHour);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->series_sealed, uint64_t{kSeries});
  EXPECT_EQ(stats->samples_sealed, uint64_t{kSeries} * 8);
  auto report = db_->Check();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok()) << report->problems.front();
  EXPECT_EQ(report->raw_samples, uint64_t{kSeries} * 4);
  EXPECT_EQ(report->segment_samples, uint64_t{kSeries} * 8);

  // A late sample replacing a sealed one, then a second sealing of everything.
  ASSERT_TRUE(db_->Append(labels(7), 1 * kHour / 2 + 7, -1).ok());
  ASSERT_TRUE(db_->Compact(kMax).ok());
  for (int s = 0; s < kSeries; ++s) {
    auto got = ReadAll(Id(labels(s)));
    ASSERT_EQ(got.size(), 12u) << "series " << s;
    for (int i = 0; i < 12; ++i) {
      double want = s == 7 && i == 1 ? -1 : s * 100 + i;
      ASSERT_EQ(got[i], (Sample{i * kHour / 2 + s, want})) << "series " << s << " sample " << i;
    }
  }
  report = db_->Check();
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->raw_samples, 0u);
}

// Long series lose their sealed raw samples to one range tombstone each
// (Compactor::kRangeDeleteMinSamples), short ones to point tombstones; more
// than 1,024 long series also flush the memtable mid-run. Neither may touch
// a neighbour, the open window or a sample written after the sealing.
TEST_F(CompactionTest, SealingLongAndShortSeriesDeletesExactlyTheSealedSamples) {
  constexpr int kLong = 1030, kShort = 20, kLongSamples = 260;
  auto labels = [](int s) { return Labels{{"__name__", "m"}, {"s", std::to_string(s)}}; };
  auto count = [&](int s) { return s < kLong ? kLongSamples : 5; };
  auto ts = [&](int s, int i) { return int64_t{i} * (4 * kHour / count(s)) + s; };  // all in [0h, 4h)
  WriteBatch b;
  for (int s = 0; s < kLong + kShort; ++s) {
    for (int i = 0; i < count(s); ++i) b.Add(labels(s), ts(s, i), s * 1000 + i);
    b.Add(labels(s), 5 * kHour + s, -s);  // the open window [4h, 6h)
  }
  ASSERT_TRUE(db_->Write(b).ok());
  auto stats = db_->Compact(4 * kHour);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->samples_sealed, uint64_t{kLong} * kLongSamples + uint64_t{kShort} * 5);
  auto report = db_->Check();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok()) << report->problems.front();
  EXPECT_EQ(report->raw_samples, uint64_t{kLong + kShort});

  // A late sample inside a long series' deleted range, then everything sealed.
  ASSERT_TRUE(db_->Append(labels(3), ts(3, 10) + 1, 0.5).ok());
  ASSERT_TRUE(db_->Compact(kMax).ok());
  for (int s = 0; s < kLong + kShort; ++s) {
    std::vector<Sample> want;
    for (int i = 0; i < count(s); ++i) {
      want.push_back(Sample{ts(s, i), double(s * 1000 + i)});
      if (s == 3 && i == 10) want.push_back(Sample{ts(s, i) + 1, 0.5});
    }
    want.push_back(Sample{5 * kHour + s, double(-s)});
    ASSERT_EQ(ReadAll(Id(labels(s))), want) << "series " << s;
  }
  report = db_->Check();
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->raw_samples, 0u);
}

// Sealing goes in rounds (Compactor::SealRound): a run of series with
// consecutive ids whose raw samples are all sealed loses them to one range
// tombstone. Neither a series with samples left in the open window, nor a
// deleted series between two others, nor a series with nothing to seal, nor
// a round boundary (several rounds here) may let that tombstone reach a sample
// that was not sealed.
TEST_F(CompactionTest, SealingRoundsDeleteRunsOfSeriesExactly) {
  constexpr int kSeries = 3000;
  auto labels = [](int s) { return Labels{{"__name__", "m"}, {"s", std::to_string(s)}}; };
  auto open_only = [](int s) { return s % 13 == 0; };  // nothing to seal
  auto has_open = [&](int s) { return s % 7 == 3 || s == 101 || open_only(s); };
  auto deleted = [](int s) { return s % 11 == 5; };
  auto count = [&](int s) { return open_only(s) ? 0 : s == 100 || s == 101 ? 300 : 30; };
  auto ts = [&](int s, int i) { return int64_t{i} * (2 * kHour / count(s)) + s; };  // in [0h, 2h)
  auto want = [&](int s) {
    std::vector<Sample> out;
    for (int i = 0; i < count(s); ++i) out.push_back(Sample{ts(s, i), double(s * 1000 + i)});
    if (has_open(s)) out.push_back(Sample{5 * kHour + s, double(-s)});
    return out;
  };
  WriteBatch b;
  for (int s = 0; s < kSeries; ++s) {
    for (const Sample& x : want(s)) b.Add(labels(s), x.ts, x.value);
  }
  ASSERT_TRUE(db_->Write(b).ok());
  uint64_t sealed = 0, open = 0;
  for (int s = 0; s < kSeries; ++s) {
    if (deleted(s)) {
      ASSERT_TRUE(db_->DeleteSeries(Id(labels(s))).ok());
      continue;
    }
    sealed += count(s);
    open += has_open(s);
  }
  ASSERT_GT(sealed, uint64_t{4} << 13);  // several rounds
  auto stats = db_->Compact(4 * kHour);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->samples_sealed, sealed);
  auto report = db_->Check();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok()) << report->problems.front();
  EXPECT_EQ(report->raw_samples, open);
  EXPECT_EQ(report->segment_samples, sealed);
  for (int s = 0; s < kSeries; ++s) {
    if (deleted(s)) {
      EXPECT_FALSE(db_->FindSeries(labels(s)).ok()) << "series " << s;
      continue;
    }
    ASSERT_EQ(ReadAll(Id(labels(s))), want(s)) << "series " << s;
  }

  // Samples written after the sealing, inside a run's deleted key range:
  // a late one for a sealed window, and one in the open window.
  ASSERT_TRUE(db_->Append(labels(2), ts(2, 3) + 1, 0.5).ok());
  ASSERT_TRUE(db_->Append(labels(4), 5 * kHour, 0.25).ok());
  ASSERT_EQ(ReadAll(Id(labels(2))).size(), want(2).size() + 1);
  ASSERT_TRUE(db_->Compact(kMax).ok());
  for (int s = 0; s < kSeries; ++s) {
    if (deleted(s)) continue;
    std::vector<Sample> w = want(s);
    if (s == 2) w.insert(w.begin() + 4, Sample{ts(2, 3) + 1, 0.5});
    if (s == 4) w.push_back(Sample{5 * kHour, 0.25});
    ASSERT_EQ(ReadAll(Id(labels(s))), w) << "series " << s;
  }
  report = db_->Check();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok()) << report->problems.front();
  EXPECT_EQ(report->raw_samples, 0u);
}

// One round seals series that have segments already (a late sample for a
// sealed window) beside series sealed for the first time, in every order:
// the late ones must merge into their segment, never sit beside it.
TEST_F(CompactionTest, SealingMixesSeriesWithAndWithoutSegments) {
  constexpr int kSeries = 600;
  auto labels = [](int s) { return Labels{{"__name__", "m"}, {"s", std::to_string(s)}}; };
  auto sealed_first = [](int s) { return s % 5 != 1 && s % 17 != 4; };  // sealed by the first Compact
  auto late = [](int s) { return s % 3 == 0 || s % 7 == 2; };           // then a late sample, sealed again
  auto base = [](int s, int i) { return Sample{int64_t{i} * 60000 + s, double(s) + i / 8.0}; };
  WriteBatch b;
  for (int s = 0; s < kSeries; ++s) {
    if (!sealed_first(s)) continue;
    for (int i = 0; i < 20; ++i) b.Add(labels(s), base(s, i).ts, base(s, i).value);
  }
  ASSERT_TRUE(db_->Write(b).ok());
  ASSERT_TRUE(db_->Compact(2 * kHour).ok());
  size_t first = 0;
  for (int s = 0; s < kSeries; ++s) first += sealed_first(s);
  ASSERT_EQ(Segments().size(), first);
  // New series (first sealed now) interleaved by id with sealed ones.
  b.Clear();
  std::map<int, std::vector<Sample>> want;
  for (int s = 0; s < kSeries; ++s) {
    if (sealed_first(s)) {
      for (int i = 0; i < 20; ++i) want[s].push_back(base(s, i));
      if (late(s)) {
        Sample x{base(s, 3).ts + 7, -double(s)};
        b.Add(labels(s), x.ts, x.value);
        want[s].insert(want[s].begin() + 4, x);
      }
    } else {
      for (int i = 0; i < 5; ++i) {
        Sample x{int64_t{i} * 1000 + s, double(i)};
        b.Add(labels(s), x.ts, x.value);
        want[s].push_back(x);
      }
    }
  }
  ASSERT_TRUE(db_->Write(b).ok());
  auto stats = db_->Compact(2 * kHour);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  auto report = db_->Check();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok()) << report->problems.front();
  EXPECT_EQ(report->raw_samples, 0u);
  for (int s = 0; s < kSeries; ++s) {
    const SeriesId id = Id(labels(s));
    ASSERT_EQ(ReadAll(id), want[s]) << "series " << s;
    ASSERT_EQ(Segments(id).size(), 1u) << "series " << s;  // merged, not beside
  }
}

// Series deleted while Compact() runs its rounds are never sealed back
// into segments, and every other series is sealed exactly.
TEST_F(CompactionTest, SeriesDeletedDuringSealingStayDeleted) {
  constexpr int kSeries = 6000;
  auto labels = [](int s) { return Labels{{"__name__", "d"}, {"s", std::to_string(s)}}; };
  WriteBatch b;
  for (int s = 0; s < kSeries; ++s) {
    for (int i = 0; i < 10; ++i) b.Add(labels(s), int64_t{i} * 60000, double(s * 10 + i));
  }
  ASSERT_TRUE(db_->Write(b).ok());
  std::vector<SeriesId> ids;
  for (int s = 0; s < kSeries; ++s) ids.push_back(Id(labels(s)));
  std::atomic<bool> sealing{false};
  std::thread deleter([&] {
    while (!sealing) std::this_thread::yield();
    // From the end backwards: mostly series the rounds have not reached.
    for (int s = kSeries - 1; s >= 0; s -= 3) ASSERT_TRUE(db_->DeleteSeries(ids[s]).ok());
  });
  sealing = true;
  ASSERT_TRUE(db_->Compact(kMax).ok());
  deleter.join();
  ASSERT_TRUE(db_->Compact(kMax).ok());
  auto report = db_->Check();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok()) << report->problems.front();
  EXPECT_EQ(report->raw_samples, 0u);
  for (int s = 0; s < kSeries; ++s) {
    const bool deleted = (kSeries - 1 - s) % 3 == 0;
    EXPECT_EQ(Segments(ids[s]).size(), deleted ? 0u : 1u) << "series " << s;
    if (!deleted) {
      ASSERT_EQ(ReadAll(ids[s]).size(), 10u) << "series " << s;
    }
  }
}

TEST_F(CompactionTest, WritersReadersAndCompactionConcurrently) {
  constexpr int kWriters = 4, kPerWriter = 3000;
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      Labels l = {{"__name__", "c"}, {"w", std::to_string(w)}};
      for (int i = 0; i < kPerWriter; i += 100) {
        WriteBatch b;
        for (int k = i; k < i + 100; ++k) b.Add(l, k * 10000, k);
        ASSERT_TRUE(db_->Write(b).ok());
      }
    });
  }
  std::thread compactor([&] {
    int64_t t = 0;
    while (!done) {
      t += kHour / 2;
      ASSERT_TRUE(db_->Compact(t).ok());
    }
  });
  std::thread reader([&] {
    while (!done) {
      auto all = db_->Select({});
      ASSERT_TRUE(all.ok());
      for (auto& s : *all) {
        // Never a duplicate or out-of-order sample while data moves.
        auto got = ReadAll(s.id);
        for (size_t i = 1; i < got.size(); ++i) ASSERT_LT(got[i - 1].ts, got[i].ts);
      }
    }
  });
  for (auto& t : threads) t.join();
  done = true;
  compactor.join();
  reader.join();
  ASSERT_TRUE(db_->Compact(kMax).ok());
  for (int w = 0; w < kWriters; ++w) {
    auto got = ReadAll(Id({{"__name__", "c"}, {"w", std::to_string(w)}}));
    ASSERT_EQ(got.size(), static_cast<size_t>(kPerWriter));
    for (int k = 0; k < kPerWriter; ++k) ASSERT_EQ(got[k], (Sample{k * 10000, static_cast<double>(k)}));
  }
}

TEST(CompactionCrashTest, KilledCompactionLosesAndDuplicatesNothing) {
  testing::TempDir dir;
  Options o;
  o.compaction_interval_ms = 0;
  constexpr int kSeries = 20, kSamples = 2000;
  {
    auto db = Database::Open(o, dir.path());
    ASSERT_TRUE(db.ok());
    WriteBatch b;
    for (int s = 0; s < kSeries; ++s) {
      for (int i = 0; i < kSamples; ++i)
        b.Add({{"__name__", "m"}, {"s", std::to_string(s)}}, i * 15000, i * 0.25);
    }
    ASSERT_TRUE((*db)->Write(b).ok());
  }
  for (int round = 0; round < 3; ++round) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto db = Database::Open(o, dir.path());
      if (!db.ok()) _exit(3);
      // Killed mid-way by the parent; what a run returns does not matter.
      for (int64_t t = kHour;; t += kHour) (*db)->Compact(t % (10 * kHour)).IgnoreError();
    }
    usleep(20000 + round * 30000);
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    auto db = Database::Open(o, dir.path());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    auto all = (*db)->Select({});
    ASSERT_TRUE(all.ok());
    ASSERT_EQ(all->size(), static_cast<size_t>(kSeries));
    for (auto& s : *all) {
      auto it = (*db)->Scan(s.id, kMin, kMax);
      ASSERT_TRUE(it.ok());
      int i = 0;
      for (; (*it)->Valid(); (*it)->Next(), ++i) {
        ASSERT_EQ((*it)->sample(), (Sample{i * 15000, i * 0.25}));
      }
      ASSERT_EQ(i, kSamples);
    }
    // The series share their timestamps: every column a segment refers to
    // is there; one a killed run left behind is no problem.
    auto report = (*db)->Check();
    ASSERT_TRUE(report.ok());
    ASSERT_TRUE(report->ok()) << report->problems.front();
  }
  auto db = Database::Open(o, dir.path());
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->Compact(kMaxTime).ok());
  auto report = (*db)->Check();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok());
  EXPECT_GT(report->timestamp_columns, 0u);
  EXPECT_EQ(report->unreferenced_timestamp_columns, 0u);  // swept by the run after the crashes
}

}  // namespace
}  // namespace overtone

namespace overtone {
namespace {

// Random histories — NaN payloads, ±Inf, stale markers, huge and tiny values,
// same-timestamp rewrites, out-of-order writes, counter resets — read back
// bit-identical after sealing, and every query answers the same.
TEST(CompactionPropertyTest, RandomHistoriesSurviveSealingBitForBit) {
  std::mt19937_64 rng(20261122);
  for (int round = 0; round < 4; ++round) {
    testing::TempDir dir;
    Options o;
    o.compaction_interval_ms = 0;
    o.segment_span_ms = (1 + round) * kHour;
    auto db = std::move(*Database::Open(o, dir.path()));
    std::map<std::pair<int, int64_t>, double> truth;  // (series, ts) -> last written value
    for (int batch = 0; batch < 20; ++batch) {
      WriteBatch b;
      for (int k = 0; k < 500; ++k) {
        int s = static_cast<int>(rng() % 5);
        int64_t ts = static_cast<int64_t>(rng() % (12 * 240)) * 15000 + static_cast<int64_t>(rng() % 3);
        double v;
        switch (rng() % 9) {
          case 0: v = std::bit_cast<double>(rng() | 0x7ff0000000000001ull); break;  // some NaN payload
          case 1: v = StaleNaN(); break;
          case 2: v = rng() % 2 ? INFINITY : -INFINITY; break;
          case 3: v = std::numeric_limits<double>::denorm_min() * static_cast<double>(rng() % 100); break;
          case 4: v = 1e300 * static_cast<double>(rng() % 100); break;
          case 5: v = static_cast<double>(rng() % 1000000000000ull); break;  // counter-sized
          default: v = std::round(static_cast<double>(rng() % 100000) - 50000) / 100;
        }
        b.Add({{"__name__", "p"}, {"s", std::to_string(s)}}, ts, v);
        truth[{s, ts}] = v;
      }
      ASSERT_TRUE(db->Write(b).ok());
      if (batch % 7 == 6) {
        ASSERT_TRUE(db->Compact(static_cast<int64_t>(rng() % (14 * kHour))).ok());
      }
    }
    auto read_all = [&] {
      std::map<std::pair<int, int64_t>, uint64_t> got;
      auto all = db->Select({});
      for (const auto& s : *all) {
        int idx = std::stoi(std::string(GetLabel(s.labels, "s")));
        auto it = db->Scan(s.id, kMinTime, kMaxTime);
        int64_t last = kMinTime;
        for (; (*it)->Valid(); (*it)->Next()) {
          EXPECT_GT((*it)->sample().ts, last);
          last = (*it)->sample().ts;
          got[{idx, last}] = std::bit_cast<uint64_t>((*it)->sample().value);
        }
        EXPECT_TRUE((*it)->status().ok());
      }
      return got;
    };
    auto answers = [&] {
      std::vector<uint64_t> out;
      for (OverTimeFn fn : {OverTimeFn::kCount, OverTimeFn::kMax, OverTimeFn::kLast, OverTimeFn::kQuantile}) {
        OverTimeQuery q;
        q.fn = fn;
        q.param = 0.5;
        q.start = 0;
        q.end = 12 * kHour;
        q.step = kHour / 2;
        q.range = 3 * kHour;
        auto ms = *ParseSelector("p");
        EXPECT_TRUE(EvaluateOverTime(db.get(), ms, q, [&](const SeriesInfo&, int64_t, double v) {
                      out.push_back(std::bit_cast<uint64_t>(v));
                      return Status::OK();
                    }).ok());
      }
      return out;
    };
    auto before = read_all();
    auto answers_before = answers();
    ASSERT_EQ(before.size(), truth.size());
    for (auto& [k, v] : truth) ASSERT_EQ(before[k], std::bit_cast<uint64_t>(v));
    ASSERT_TRUE(db->Compact(kMaxTime).ok());
    EXPECT_EQ(read_all(), before) << "round " << round;
    EXPECT_EQ(answers(), answers_before) << "round " << round;
    auto report = db->Check();
    ASSERT_TRUE(report.ok());
    EXPECT_TRUE(report->ok()) << report->problems.front();
  }
}

}  // namespace
}  // namespace overtone
