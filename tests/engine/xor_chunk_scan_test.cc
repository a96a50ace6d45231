// Database::ScanXorChunks and its cache (engine/xor_chunk_cache.h): the
// chunks decode to exactly the samples Scan gives, whatever the range
// (inside a chunk, across chunk and segment borders, the whole series);
// a repeated read answers from the cache with the same bytes; late raw
// samples, re-sealing, range and series deletion are seen at once; the
// cache stays within its bound and is charged to the memory limit; a
// repeated read of more than the cache holds keeps hitting the part that
// fits.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "engine/xor_chunk_cache.h"
#include "overtone/database.h"
#include "storage/codec/xor_chunk.h"
#include "tests/support/test_util.h"

namespace overtone {
namespace {

constexpr int64_t kSpan = 600 * 1000;  // 10-minute segments: 600 samples at 1 s

struct Chunked {
  std::vector<XorChunkView> chunks;  // data points into `bytes`'s copies below
  std::vector<std::string> bytes;
  std::vector<Sample> samples;  // every chunk decoded, in order
};

bool SameBits(const std::vector<Sample>& a, const std::vector<Sample>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].ts != b[i].ts || std::memcmp(&a[i].value, &b[i].value, sizeof(double)) != 0) return false;
  }
  return true;
}

class XorChunkScanTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(Options{}); }

  void Open(Options o) {
    db_.reset();
    o.compaction_interval_ms = 0;
    o.segment_span_ms = kSpan;
    auto db = Database::Open(o, dir_.path());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
  }

  // One hour of samples 1 s apart (some jittered by a few ms, a staleness
  // marker now and then), sealed into six segments.
  SeriesId WriteSealed(const std::string& name, int64_t hour = 0) {
    const Labels labels = {{"__name__", name}};
    WriteBatch b;
    uint64_t x = 88172645463325252ull;
    for (int64_t i = 0; i < 3600; ++i) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      const int64_t ts = hour * 3600 * 1000 + i * 1000 + (i % 7 == 3 ? static_cast<int64_t>(x % 5) : 0);
      const double v = i % 500 == 499 ? StaleNaN() : std::round(static_cast<double>(x % 10000)) / 100;
      b.Add(labels, ts, v);
    }
    EXPECT_TRUE(db_->Write(b).ok());
    EXPECT_TRUE(db_->Compact(kMaxTime).ok());
    return *db_->FindSeries(labels);
  }

  std::vector<Sample> Scanned(SeriesId id, int64_t lo, int64_t hi) {
    std::vector<Sample> out;
    auto it = db_->Scan(id, lo, hi);
    EXPECT_TRUE(it.ok());
    (*it)->NextBatch(1 << 30, &out);
    EXPECT_TRUE((*it)->status().ok());
    return out;
  }

  Chunked Chunks(SeriesId id, int64_t lo, int64_t hi, XorChunkReader* reader = nullptr) {
    Chunked out;
    auto scan = [&](const XorChunkFn& fn) {
      return reader != nullptr ? reader->Scan(id, lo, hi, fn) : db_->ScanXorChunks(id, lo, hi, fn);
    };
    Status s = scan([&](const XorChunkView& c) {
      out.bytes.emplace_back(c.data);
      out.chunks.push_back(c);
      std::vector<Sample> decoded;
      EXPECT_TRUE(storage::DecodeXorChunk(c.data, &decoded).ok());
      EXPECT_EQ(decoded.size(), c.samples);
      EXPECT_LE(decoded.size(), kXorChunkMaxSamples);
      EXPECT_EQ(decoded.front().ts, c.min_ts);
      EXPECT_EQ(decoded.back().ts, c.max_ts);
      out.samples.insert(out.samples.end(), decoded.begin(), decoded.end());
      return Status::OK();
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }

  // Reads [lo, hi] twice: the second answer byte for byte the first's (from
  // the cache when `from_cache`), and both decode to the samples Scan gives.
  void ExpectSameTwice(SeriesId id, int64_t lo, int64_t hi, bool from_cache = true) {
    SCOPED_TRACE("range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    const std::vector<Sample> want = Scanned(id, lo, hi);
    Chunked first = Chunks(id, lo, hi);
    const uint64_t hits = db_->GetStats().xor_chunk_cache_hits;
    Chunked second = Chunks(id, lo, hi);
    EXPECT_TRUE(SameBits(first.samples, want));
    EXPECT_EQ(first.bytes, second.bytes);
    ASSERT_EQ(first.chunks.size(), second.chunks.size());
    for (size_t i = 0; i < first.chunks.size(); ++i) {
      EXPECT_EQ(first.chunks[i].min_ts, second.chunks[i].min_ts);
      EXPECT_EQ(first.chunks[i].max_ts, second.chunks[i].max_ts);
    }
    if (from_cache && !want.empty()) {
      EXPECT_GT(db_->GetStats().xor_chunk_cache_hits, hits);
    }
  }

  testing::TempDir dir_;
  std::unique_ptr<Database> db_;
};

TEST_F(XorChunkScanTest, ChunksDecodeToTheScannedSamplesForEveryKindOfRange) {
  const SeriesId id = WriteSealed("x");
  ExpectSameTwice(id, kMinTime, kMaxTime);
  ExpectSameTwice(id, 0, 119 * 1000);                   // the first chunk exactly
  ExpectSameTwice(id, 130 * 1000, 150 * 1000);          // inside a chunk
  ExpectSameTwice(id, 100 * 1000, 500 * 1000);          // straddling chunk borders at both ends
  ExpectSameTwice(id, 590 * 1000, 1210 * 1000);         // across segment borders
  ExpectSameTwice(id, 1800 * 1000, 3600 * 1000);        // the last half hour, past the last sample
  ExpectSameTwice(id, 5000 * 1000, 6000 * 1000);        // nothing
  ExpectSameTwice(id, 240 * 1000 + 1, 240 * 1000 + 2);  // between two samples
  EXPECT_TRUE(Chunks(id, 10, 5).chunks.empty());        // an empty range
}

TEST_F(XorChunkScanTest, SealedChunksAreCutAtFixedPositionsOfTheirSegment) {
  const SeriesId id = WriteSealed("x");
  Chunked all = Chunks(id, kMinTime, kMaxTime);
  ASSERT_EQ(all.chunks.size(), 30u);  // six segments of 600 samples, five chunks each
  for (const XorChunkView& c : all.chunks) EXPECT_EQ(c.samples, kXorChunkMaxSamples);
  // A range from the middle of a chunk: its part first, then whole chunks
  // as the segment has them.
  Chunked part = Chunks(id, 60 * 1000, 600 * 1000 - 1);
  ASSERT_EQ(part.chunks.size(), 5u);
  EXPECT_EQ(part.chunks[0].samples, 60u);
  for (size_t i = 1; i < 5; ++i) EXPECT_EQ(part.bytes[i], all.bytes[i]);
}

TEST_F(XorChunkScanTest, LateRawSamplesReplaceSealedOnesAndResealingIsSeen) {
  const SeriesId id = WriteSealed("x");
  ExpectSameTwice(id, 0, 1200 * 1000);
  // A late write into the second segment replaces a sealed sample and adds
  // one between two others; both are raw until sealed again.
  ASSERT_TRUE(db_->Append({{"__name__", "x"}}, 700 * 1000, -1.5).ok());
  ASSERT_TRUE(db_->Append({{"__name__", "x"}}, 700 * 1000 + 500, -2.5).ok());
  ExpectSameTwice(id, 0, 1200 * 1000);
  ExpectSameTwice(id, 0, 550 * 1000);  // the first segment, untouched
  // Within the segment the late samples fall in: decoded and merged.
  const uint64_t hits = db_->GetStats().xor_chunk_cache_hits;
  ExpectSameTwice(id, 650 * 1000, 750 * 1000, /*from_cache=*/false);
  EXPECT_EQ(db_->GetStats().xor_chunk_cache_hits, hits);
  const std::vector<Sample> merged = Scanned(id, 0, kMaxTime);
  ASSERT_TRUE(db_->Compact(kMaxTime).ok());
  const uint64_t misses = db_->GetStats().xor_chunk_cache_misses;
  EXPECT_TRUE(SameBits(Chunks(id, 0, kMaxTime).samples, merged));
  EXPECT_GT(db_->GetStats().xor_chunk_cache_misses, misses);  // the rewritten segment is new
  ExpectSameTwice(id, 0, kMaxTime);
}

TEST_F(XorChunkScanTest, DeletedSamplesAndSeriesAreGone) {
  const SeriesId id = WriteSealed("x");
  const SeriesId other = WriteSealed("y");
  ExpectSameTwice(id, kMinTime, kMaxTime);
  ASSERT_TRUE(db_->DeleteRange(id, 100 * 1000, 1300 * 1000).ok());
  ExpectSameTwice(id, kMinTime, kMaxTime);
  EXPECT_EQ(Chunks(id, kMinTime, kMaxTime).samples.size(), 3600u - 1201);
  ASSERT_TRUE(db_->DeleteSeries(id).ok());
  EXPECT_TRUE(db_->ScanXorChunks(id, kMinTime, kMaxTime, [](const XorChunkView&) { return Status::OK(); })
                  .IsNotFound());
  ExpectSameTwice(other, kMinTime, kMaxTime);
}

TEST_F(XorChunkScanTest, RawAndSealedSamplesTogether) {
  const SeriesId id = WriteSealed("x");
  WriteBatch b;
  for (int64_t i = 0; i < 300; ++i)
    b.Add({{"__name__", "x"}}, 3600 * 1000 + i * 1000, static_cast<double>(i));
  ASSERT_TRUE(db_->Write(b).ok());  // raw, after the sealed hour
  ExpectSameTwice(id, kMinTime, kMaxTime);
  ExpectSameTwice(id, 3500 * 1000, 3700 * 1000);
}

// One reader for many series, asked in an order that is not the ids' and
// more than once for some, gives for each exactly the chunks ScanXorChunks
// gives: sealed, raw after the sealed hour, late raw samples inside a
// sealed segment, raw samples in a flushed table file, nothing at all.
TEST_F(XorChunkScanTest, AReaderGivesWhatScanXorChunksGivesForEverySeries) {
  std::vector<SeriesId> ids;
  for (int i = 0; i < 4; ++i) ids.push_back(WriteSealed("s" + std::to_string(i)));
  WriteBatch b;
  for (int64_t i = 0; i < 300; ++i)
    b.Add({{"__name__", "s1"}}, 3600 * 1000 + i * 1000, static_cast<double>(i));
  b.Add({{"__name__", "s2"}}, 700 * 1000, -1.5);  // late: replaces a sealed sample
  b.Add({{"__name__", "s2"}}, 700 * 1000 + 500, -2.5);
  for (int64_t i = 0; i < 50; ++i) b.Add({{"__name__", "raw"}}, i * 1000, static_cast<double>(i) / 3);
  ASSERT_TRUE(db_->Write(b).ok());
  ids.push_back(*db_->FindSeries({{"__name__", "raw"}}));
  const SeriesId unknown = ids.back() + 100;
  auto check = [&](const char* when) {
    SCOPED_TRACE(when);
    std::unique_ptr<XorChunkReader> reader = db_->NewXorChunkReader();
    const std::vector<std::pair<int64_t, int64_t>> ranges = {
        {kMinTime, kMaxTime}, {100 * 1000, 500 * 1000}, {650 * 1000, 750 * 1000}, {3500 * 1000, 3700 * 1000}};
    for (const auto& [lo, hi] : ranges) {
      for (size_t k : {3, 0, 4, 2, 1, 2, 0}) {
        SCOPED_TRACE("series " + std::to_string(ids[k]) + " [" + std::to_string(lo) + ", " +
                     std::to_string(hi) + "]");
        const Chunked want = Chunks(ids[k], lo, hi);
        const Chunked got = Chunks(ids[k], lo, hi, reader.get());
        EXPECT_EQ(got.bytes, want.bytes);
        EXPECT_TRUE(SameBits(got.samples, Scanned(ids[k], lo, hi)));
      }
      EXPECT_TRUE(Chunks(unknown, lo, hi, reader.get()).chunks.empty());
    }
  };
  check("memtables");
  ASSERT_TRUE(db_->Flush().ok());
  check("flushed");
  Open(Options{});
  check("reopened");
}

// A reader answers as of when it was made: samples written, sealed or
// deleted afterwards are not seen by it, and are by a new one.
TEST_F(XorChunkScanTest, AReaderReadsItsSnapshot) {
  const SeriesId id = WriteSealed("x");
  const SeriesId other = WriteSealed("y");
  const std::vector<Sample> before = Scanned(id, kMinTime, kMaxTime);
  std::unique_ptr<XorChunkReader> reader = db_->NewXorChunkReader();
  ASSERT_TRUE(db_->Append({{"__name__", "x"}}, 700 * 1000, -1.5).ok());
  ASSERT_TRUE(db_->Append({{"__name__", "x"}}, 4000 * 1000, 7).ok());
  ASSERT_TRUE(db_->DeleteSeries(other).ok());
  EXPECT_TRUE(SameBits(Chunks(id, kMinTime, kMaxTime, reader.get()).samples, before));
  EXPECT_EQ(Chunks(other, kMinTime, kMaxTime, reader.get()).samples.size(), 3600u);
  std::unique_ptr<XorChunkReader> later = db_->NewXorChunkReader();
  const std::vector<Sample> after = Scanned(id, kMinTime, kMaxTime);
  EXPECT_EQ(after.size(), before.size() + 1);
  EXPECT_TRUE(SameBits(Chunks(id, kMinTime, kMaxTime, later.get()).samples, after));
  EXPECT_TRUE(Chunks(other, kMinTime, kMaxTime, later.get()).chunks.empty());
}

TEST_F(XorChunkScanTest, ACallbackErrorStopsTheScan) {
  const SeriesId id = WriteSealed("x");
  int calls = 0;
  Status s = db_->ScanXorChunks(id, kMinTime, kMaxTime, [&](const XorChunkView&) {
    ++calls;
    return Status::Aborted("enough");
  });
  EXPECT_EQ(s.code(), Status::Code::kAborted);
  EXPECT_EQ(calls, 1);
}

TEST_F(XorChunkScanTest, TheCacheStaysWithinItsBound) {
  Options o;
  o.xor_chunk_cache_bytes = 16 * 1024;
  Open(o);
  std::vector<SeriesId> ids;
  for (int i = 0; i < 8; ++i) ids.push_back(WriteSealed("s" + std::to_string(i)));
  // Whole series do not fit: each read evicts what the one before kept,
  // and answers the same, encoded again.
  for (SeriesId id : ids) {
    ExpectSameTwice(id, kMinTime, kMaxTime, /*from_cache=*/false);
    EXPECT_LE(db_->GetStats().xor_chunk_cache_bytes, o.xor_chunk_cache_bytes);
  }
  EXPECT_GT(db_->GetStats().xor_chunk_cache_bytes, 0u);
  // One segment does.
  for (SeriesId id : ids) ExpectSameTwice(id, 0, 550 * 1000);
  EXPECT_LE(db_->GetStats().xor_chunk_cache_bytes, o.xor_chunk_cache_bytes);
}

TEST_F(XorChunkScanTest, ARepeatedScanLargerThanTheCacheKeepsHittingWhatFits) {
  std::vector<SeriesId> ids;
  for (int i = 0; i < 10; ++i) ids.push_back(WriteSealed("s" + std::to_string(i)));
  // What one series' six segments take in the cache.
  Open(Options{});
  (void)Chunks(ids[0], kMinTime, kMaxTime);
  const uint64_t one_series = db_->GetStats().xor_chunk_cache_bytes;
  ASSERT_GT(one_series, 0u);
  // Room for about seven of the ten series: under plain LRU every read of
  // all ten in the same order would miss everywhere.
  Options o;
  o.xor_chunk_cache_bytes = one_series * 7;
  Open(o);
  auto read_all = [&] {
    for (SeriesId id : ids) {
      const Chunked got = Chunks(id, kMinTime, kMaxTime);
      EXPECT_TRUE(SameBits(got.samples, Scanned(id, kMinTime, kMaxTime)));
    }
  };
  read_all();
  EXPECT_EQ(db_->GetStats().xor_chunk_cache_hits, 0u);
  for (int round = 0; round < 3; ++round) {
    const DatabaseStats before = db_->GetStats();
    read_all();
    const DatabaseStats after = db_->GetStats();
    const uint64_t hits = after.xor_chunk_cache_hits - before.xor_chunk_cache_hits;
    const uint64_t misses = after.xor_chunk_cache_misses - before.xor_chunk_cache_misses;
    EXPECT_EQ(hits + misses, ids.size() * 6);
    // Six or so of every ten series' segments answered from the cache.
    EXPECT_GE(hits, ids.size() * 6 / 2) << "round " << round;
    EXPECT_LE(after.xor_chunk_cache_bytes, o.xor_chunk_cache_bytes);
  }
}

TEST_F(XorChunkScanTest, TheCacheIsChargedToTheMemoryLimit) {
  Options o;
  o.memory_limit_bytes = 64u << 20;
  Open(o);
  const size_t before = db_->memory()->caches().in_use();
  std::vector<SeriesId> ids;
  for (int i = 0; i < 4; ++i) ids.push_back(WriteSealed("s" + std::to_string(i)));
  for (SeriesId id : ids) ExpectSameTwice(id, kMinTime, kMaxTime);
  const uint64_t held = db_->GetStats().xor_chunk_cache_bytes;
  EXPECT_GT(held, 0u);
  EXPECT_LE(held, SplitMemoryLimit(o.memory_limit_bytes).xor_chunk_cache_bytes);
  EXPECT_GE(db_->memory()->caches().in_use(), before + held);
  db_.reset();  // a closed database releases what its cache was charged (checked by the accountant's owner)
}

// Under a limit the cache holds half the caches' share, a 32nd of the
// limit: a wide read of more than a 128th of it (the cache's former part)
// is kept whole and read again from memory.
TEST_F(XorChunkScanTest, UnderAMemoryLimitTheCacheHoldsAThirtySecondOfIt) {
  Options o;
  o.memory_limit_bytes = 64u << 20;
  Open(o);
  // Values of random bits: about 9 bytes a sample as XOR chunks, so 40
  // series of an hour at 1 s are some 1.3 MB of chunks.
  WriteBatch b;
  uint64_t x = 88172645463325252ull;
  for (int n = 0; n < 40; ++n) {
    const Labels labels = {{"__name__", "wide"}, {"n", std::to_string(n)}};
    for (int64_t i = 0; i < 3600; ++i) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      b.Add(labels, i * 1000, static_cast<double>(x >> 11) / 3.0);
    }
  }
  ASSERT_TRUE(db_->Write(b).ok());
  ASSERT_TRUE(db_->Compact(kMaxTime).ok());
  std::vector<SeriesId> ids;
  for (int n = 0; n < 40; ++n)
    ids.push_back(*db_->FindSeries({{"__name__", "wide"}, {"n", std::to_string(n)}}));
  uint64_t bytes = 0;
  for (SeriesId id : ids) {
    for (const std::string& c : Chunks(id, kMinTime, kMaxTime).bytes) bytes += c.size();
  }
  ASSERT_GT(bytes, size_t{1} << 20);
  const uint64_t misses = db_->GetStats().xor_chunk_cache_misses;
  for (SeriesId id : ids) ExpectSameTwice(id, kMinTime, kMaxTime);
  EXPECT_EQ(db_->GetStats().xor_chunk_cache_misses, misses);  // the second wide read: every segment cached
  EXPECT_GT(db_->GetStats().xor_chunk_cache_bytes, bytes);
  EXPECT_LE(db_->GetStats().xor_chunk_cache_bytes,
            SplitMemoryLimit(o.memory_limit_bytes).xor_chunk_cache_bytes);
}

TEST(XorChunkCacheTest, EvictsTheLeastRecentlyUsedAndReleasesItsCharge) {
  MemoryPool pool;
  std::vector<Sample> samples;
  for (int i = 0; i < 300; ++i) samples.push_back({i * 1000, static_cast<double>(i % 17)});
  auto chunks = std::make_shared<engine::SegmentXorChunks>();
  ASSERT_TRUE(engine::BuildSegmentXorChunks(samples, 120, chunks.get()).ok());
  ASSERT_EQ(chunks->chunks.size(), 3u);
  EXPECT_EQ(chunks->chunks[2].samples, 60u);
  EXPECT_EQ(chunks->chunks[1].min_ts, 120 * 1000);
  const size_t one = chunks->charge();
  {
    engine::XorChunkCache cache(2 * one, &pool);
    const engine::XorChunkCache::Key a{1, 10, 300, 7}, b{2, 10, 300, 7}, c{3, 10, 300, 7};
    cache.Insert(a, chunks);
    cache.Insert(b, chunks);
    EXPECT_NE(cache.Find(a), nullptr);  // a is now the most recently used
    cache.Insert(c, chunks);
    EXPECT_EQ(cache.Find(b), nullptr);
    EXPECT_NE(cache.Find(a), nullptr);
    EXPECT_NE(cache.Find(c), nullptr);
    EXPECT_EQ(cache.size_bytes(), 2 * one);
    EXPECT_EQ(pool.in_use(), 2 * one);
    EXPECT_EQ(cache.Find({1, 10, 300, 8}), nullptr);  // another CRC: other bytes
  }
  EXPECT_EQ(pool.in_use(), 0u);
}

TEST(XorChunkCacheTest, OnceFullANewEntryIsTheNextEvictedButForOneInThirtyTwo) {
  std::vector<Sample> samples;
  for (int i = 0; i < 120; ++i) samples.push_back({i * 1000, static_cast<double>(i % 17)});
  auto chunks = std::make_shared<engine::SegmentXorChunks>();
  ASSERT_TRUE(engine::BuildSegmentXorChunks(samples, 120, chunks.get()).ok());
  const size_t one = chunks->charge();
  auto key = [](SeriesId id) { return engine::XorChunkCache::Key{id, 10, 300, 7}; };
  {
    engine::XorChunkCache cache(3 * one);
    // Room for three: they go in as the most recently used (3, 2, 1).
    for (SeriesId id = 1; id <= 3; ++id) cache.Insert(key(id), chunks);
    // Full: 4 evicts 1 and goes in last (3, 2, 4); found, it is the most
    // recently used (4, 3, 2).
    cache.Insert(key(4), chunks);
    EXPECT_EQ(cache.Find(key(1)), nullptr);
    EXPECT_NE(cache.Find(key(4)), nullptr);
    // 5 evicts 2 and goes in last; not asked for, it is what 6 evicts.
    cache.Insert(key(5), chunks);
    cache.Insert(key(6), chunks);
    EXPECT_EQ(cache.Find(key(2)), nullptr);
    EXPECT_EQ(cache.Find(key(5)), nullptr);
    EXPECT_NE(cache.Find(key(3)), nullptr);
    EXPECT_NE(cache.Find(key(4)), nullptr);
    EXPECT_NE(cache.Find(key(6)), nullptr);
    EXPECT_EQ(cache.size_bytes(), 3 * one);
  }
  {
    // A scan never asking for anything twice: its entries cycle through
    // the last place, but for the kHotInsertEvery-th insertion (id 32),
    // which goes in as the most recently used and evicts one of the older.
    engine::XorChunkCache cache(3 * one);
    const SeriesId hot = engine::XorChunkCache::kHotInsertEvery;
    for (SeriesId id = 1; id <= hot + 3; ++id) cache.Insert(key(id), chunks);
    EXPECT_EQ(cache.Find(key(1)), nullptr);
    EXPECT_EQ(cache.Find(key(2)), nullptr);
    EXPECT_NE(cache.Find(key(3)), nullptr);
    EXPECT_EQ(cache.Find(key(hot - 1)), nullptr);
    EXPECT_NE(cache.Find(key(hot)), nullptr);
    EXPECT_EQ(cache.Find(key(hot + 2)), nullptr);
    EXPECT_NE(cache.Find(key(hot + 3)), nullptr);
  }
}

// The default capacity holds what a Prometheus reading back a day of 1700
// series at 15 s asks for (the remote read benchmark's wide read: 6800
// six-hour segments, 45.5 MiB held), so that the same read again is
// answered from the cache in full instead of re-encoding a third of it.
TEST(XorChunkCacheTest, TheDefaultCapacityHoldsADayOf1700SeriesReadAgain) {
  auto segment = std::make_shared<engine::SegmentXorChunks>();
  segment->chunks.resize(12);       // 1440 samples at 15 s, 120 a chunk
  segment->data.assign(6600, 'x');  // 4.6 bytes a sample
  constexpr SeriesId kSegments = 1700 * 4;
  engine::XorChunkCache cache(Options{}.xor_chunk_cache_bytes);
  auto key = [](SeriesId id) { return engine::XorChunkCache::Key{id, 10, 7000, 7}; };
  // The first read: every segment encoded and inserted, in order.
  for (SeriesId id = 1; id <= kSegments; ++id) {
    if (cache.Find(key(id)) == nullptr) cache.Insert(key(id), segment);
  }
  ASSERT_GT(cache.size_bytes(), size_t{45} << 20);
  SeriesId missed = 0;
  for (SeriesId id = 1; id <= kSegments; ++id) missed += cache.Find(key(id)) == nullptr;
  EXPECT_EQ(missed, 0u);
}

// A run of chunks encoded from part of a segment is, chunk for chunk, what
// the whole segment's build gives.
TEST(XorChunkCacheTest, ARunOfChunksIsTheWholeSegmentsChunksByteForByte) {
  std::vector<Sample> samples;
  for (int64_t i = 0; i < 1000; ++i) samples.push_back({i * 1000 + i % 3, std::sin(static_cast<double>(i))});
  engine::SegmentXorChunks whole;
  ASSERT_TRUE(engine::BuildSegmentXorChunks(samples, 120, &whole).ok());
  ASSERT_EQ(whole.chunks.size(), 9u);  // eight of 120, the last of 40
  EXPECT_TRUE(whole.whole());
  EXPECT_TRUE(whole.Covers(kMinTime, kMaxTime));
  EXPECT_EQ(whole.segment_min_ts, samples.front().ts);
  EXPECT_EQ(whole.segment_max_ts, samples.back().ts);
  for (uint32_t first = 0; first < 9; ++first) {
    for (uint32_t stop = first + 1; stop <= 9; ++stop) {
      SCOPED_TRACE("chunks [" + std::to_string(first) + ", " + std::to_string(stop) + ")");
      const size_t from = first * 120, to = std::min<size_t>(stop * 120, samples.size());
      engine::SegmentXorChunks run;
      ASSERT_TRUE(engine::EncodeXorChunkRun(std::span(samples).subspan(from, to - from), 120, &run).ok());
      ASSERT_EQ(run.chunks.size(), stop - first);
      for (size_t i = 0; i < run.chunks.size(); ++i) {
        EXPECT_EQ(run.bytes(run.chunks[i]), whole.bytes(whole.chunks[first + i]));
        EXPECT_EQ(run.chunks[i].min_ts, whole.chunks[first + i].min_ts);
        EXPECT_EQ(run.chunks[i].max_ts, whole.chunks[first + i].max_ts);
      }
    }
  }
}

// A read of part of a segment not cached builds only the chunks it touches
// (the cache holds less than the whole segment's), from the frames holding
// them; the chunks are byte for byte those cut from the whole segment's,
// whatever the range: inside a frame, across a frame edge, starting
// exactly on one, in the last frame, in a gap between samples, across
// segments, into a raw tail. A later read needing more widens the run.
// With each segment's own timestamps and with shared timestamp columns.
TEST_F(XorChunkScanTest, APartialReadBuildsOnlyTheChunksItTouchesAndTheyAreTheWholeSegments) {
  for (bool shared : {true, false}) {
    SCOPED_TRACE(shared ? "shared timestamp columns" : "own timestamps");
    Options o;
    o.share_timestamp_columns = shared;
    testing::TempDir dir;
    db_.reset();
    o.compaction_interval_ms = 0;
    o.segment_span_ms = kSpan;
    db_ = std::move(*Database::Open(o, dir.path()));
    const SeriesId id = WriteSealed("x");
    WriteBatch tail;  // raw, after the sealed hour
    for (int64_t i = 0; i < 100; ++i) tail.Add({{"__name__", "x"}}, 3600 * 1000 + i * 1000, i * 0.25);
    ASSERT_TRUE(db_->Write(tail).ok());
    auto reopen = [&] {
      db_.reset();
      db_ = std::move(*Database::Open(o, dir.path()));
    };
    // Frames of 256 samples: edges at samples 256 and 512 of each 600.
    const std::vector<std::pair<int64_t, int64_t>> ranges = {
        {130 * 1000, 150 * 1000},              // inside a frame and a chunk
        {250 * 1000, 300 * 1000},              // across a frame edge
        {256 * 1000, 511 * 1000},              // exactly one frame
        {240 * 1000, 359 * 1000},              // exactly one chunk
        {520 * 1000, 599 * 1000},              // the segment's last frame
        {3500 * 1000, 3599 * 1000 + 999},      // the series' last frame
        {130 * 1000 + 10, 130 * 1000 + 20},    // between two samples
        {239 * 1000 + 500, 400 * 1000 + 500},  // from just before a chunk's first sample to just past one
        {550 * 1000, 650 * 1000},              // across a segment border
        {3550 * 1000, 3650 * 1000},            // into the raw tail
    };
    // What one whole segment's chunks take in the cache.
    reopen();
    (void)Chunks(id, 0, 599 * 1000 + 999);
    const uint64_t one_segment = db_->GetStats().xor_chunk_cache_bytes;
    ASSERT_GT(one_segment, 0u);
    std::vector<Chunked> want;
    (void)Chunks(id, kMinTime, kMaxTime);  // every segment's chunks built whole
    for (const auto& [lo, hi] : ranges) want.push_back(Chunks(id, lo, hi));
    for (size_t r = 0; r < ranges.size(); ++r) {
      const auto [lo, hi] = ranges[r];
      SCOPED_TRACE("range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
      reopen();
      const Chunked got = Chunks(id, lo, hi);
      EXPECT_EQ(got.bytes, want[r].bytes);
      EXPECT_TRUE(SameBits(got.samples, Scanned(id, lo, hi)));
      const uint64_t held = db_->GetStats().xor_chunk_cache_bytes;
      // The touched chunks alone, two of a segment's five at most.
      EXPECT_LT(held, one_segment);
      // Asked again: from the cache, the same bytes.
      const uint64_t hits = db_->GetStats().xor_chunk_cache_hits;
      EXPECT_EQ(Chunks(id, lo, hi).bytes, want[r].bytes);
      if (!got.samples.empty()) {
        EXPECT_GT(db_->GetStats().xor_chunk_cache_hits, hits);
      }
      EXPECT_EQ(db_->GetStats().xor_chunk_cache_bytes, held);
    }
    // A run widened by reads before and after it, then the whole series.
    reopen();
    const Chunked middle = Chunks(id, 250 * 1000, 300 * 1000);
    const uint64_t held = db_->GetStats().xor_chunk_cache_bytes;
    EXPECT_EQ(Chunks(id, 0, 100 * 1000).bytes, Chunks(id, 0, 100 * 1000).bytes);
    EXPECT_GT(db_->GetStats().xor_chunk_cache_bytes, held);
    const Chunked all = Chunks(id, kMinTime, kMaxTime);
    EXPECT_TRUE(SameBits(all.samples, Scanned(id, kMinTime, kMaxTime)));
    reopen();
    EXPECT_EQ(Chunks(id, kMinTime, kMaxTime).bytes, all.bytes);
    EXPECT_EQ(Chunks(id, 250 * 1000, 300 * 1000).bytes, middle.bytes);
  }
}

}  // namespace
}  // namespace overtone
