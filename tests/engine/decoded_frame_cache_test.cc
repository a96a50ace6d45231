// Reads of sealed data through the decoded FLAC frame cache
// (engine/decoded_frame_cache.h): short windows read twice answer bit for
// bit what a database without the cache answers, the second time from the
// cache; long reads pass it by; a re-sealed segment (a late sample) or a
// range deletion is seen at once; a damaged record is still reported; the
// cache stays within its bound and is charged to the memory limit, split
// into shards or not.

#include "engine/decoded_frame_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "overtone/database.h"
#include "storage/store.h"
#include "tests/support/test_util.h"

namespace overtone {
namespace {

constexpr int64_t kSpan = 3600 * 1000;  // hour segments: 3,600 samples at 1 s, 15 frames of 256

bool SameBits(const std::vector<Sample>& a, const std::vector<Sample>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].ts != b[i].ts || std::memcmp(&a[i].value, &b[i].value, sizeof(double)) != 0) return false;
  }
  return true;
}

struct Range {
  int64_t lo, hi;
};

// Short windows (inside one frame, across two, the segment's last two
// frames, past the last sample, between two samples, nothing) and long ones
// (a whole segment, parts of two).
const std::vector<Range> kShort = {{300 * 1000, 310 * 1000},   {250 * 1000, 260 * 1000},
                                   {3400 * 1000, 3599 * 1000}, {3500 * 1000, 3700 * 1000},
                                   {7000 * 1000, 7300 * 1000}, {1000 * 1000 + 1, 1000 * 1000 + 2},
                                   {5000 * 1000, 5000 * 1000}};
const std::vector<Range> kLong = {{0, 3599 * 1000}, {1000 * 1000, 6000 * 1000}};

class DecodedFrameCacheTest : public ::testing::Test {
 protected:
  void Open(Options o) {
    db_.reset();
    o.compaction_interval_ms = 0;
    o.segment_span_ms = kSpan;
    auto db = Database::Open(o, dir_.path());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
  }

  // Two hours at 1 s of 2-decimal values (FLAC frames), a staleness marker
  // and a NaN now and then, sealed into two segments.
  SeriesId WriteSealed(const std::string& name) {
    const Labels labels = {{"__name__", name}};
    WriteBatch b;
    uint64_t x = 88172645463325252ull ^ std::hash<std::string>()(name);
    for (int64_t i = 0; i < 7200; ++i) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      const double v = i % 900 == 899 ? StaleNaN()
                       : i % 1000 == 7
                           ? std::nan("")
                           : static_cast<double>(5000 + static_cast<int64_t>(x % 200) - 100 + i) / 100;
      b.Add(labels, i * 1000, v);
    }
    EXPECT_TRUE(db_->Write(b).ok());
    EXPECT_TRUE(db_->Compact(kMaxTime).ok());
    return *db_->FindSeries(labels);
  }

  std::vector<Sample> Scanned(SeriesId id, Range r) {
    std::vector<Sample> out;
    auto it = db_->Scan(id, r.lo, r.hi);
    EXPECT_TRUE(it.ok());
    (*it)->NextBatch(1 << 30, &out);
    EXPECT_TRUE((*it)->status().ok()) << (*it)->status().ToString();
    return out;
  }

  // The same through one cursor, as queries read.
  std::vector<Sample> Cursored(SeriesId id, Range r) {
    std::vector<Sample> out;
    auto c = db_->NewSeriesCursor();
    EXPECT_TRUE(c.ok());
    EXPECT_TRUE((*c)->Seek(id, r.lo, r.hi).ok());
    (*c)->NextBatch(1 << 30, &out);
    EXPECT_TRUE((*c)->status().ok()) << (*c)->status().ToString();
    return out;
  }

  // What each range reads with the cache off.
  std::vector<std::vector<Sample>> Uncached(SeriesId id, const std::vector<Range>& ranges) {
    Options off;
    off.decoded_frame_cache_bytes = 0;
    Open(off);
    std::vector<std::vector<Sample>> out;
    for (Range r : ranges) out.push_back(Scanned(id, r));
    EXPECT_EQ(db_->GetStats().decoded_frame_cache_hits, 0u);
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<Database> db_;
};

TEST_F(DecodedFrameCacheTest, ShortWindowsReadAgainComeFromTheCacheBitForBit) {
  Open(Options{});
  const SeriesId id = WriteSealed("x");
  const std::vector<std::vector<Sample>> want = Uncached(id, kShort);
  Open(Options{});
  for (size_t i = 0; i < kShort.size(); ++i) {
    SCOPED_TRACE("range " + std::to_string(i));
    EXPECT_TRUE(SameBits(Scanned(id, kShort[i]), want[i]));
    const DatabaseStats before = db_->GetStats();
    EXPECT_TRUE(SameBits(Scanned(id, kShort[i]), want[i]));
    EXPECT_TRUE(SameBits(Cursored(id, kShort[i]), want[i]));
    const DatabaseStats after = db_->GetStats();
    EXPECT_EQ(after.decoded_frame_cache_misses, before.decoded_frame_cache_misses);
    if (!want[i].empty()) {
      EXPECT_GT(after.decoded_frame_cache_hits, before.decoded_frame_cache_hits);
    }
  }
  EXPECT_FALSE(want[0].empty());
  EXPECT_GT(db_->GetStats().decoded_frame_cache_bytes, 0u);
}

TEST_F(DecodedFrameCacheTest, LongReadsPassTheCacheBy) {
  Open(Options{});
  const SeriesId id = WriteSealed("x");
  const std::vector<std::vector<Sample>> want = Uncached(id, kLong);
  Open(Options{});
  for (size_t i = 0; i < kLong.size(); ++i) {
    EXPECT_TRUE(SameBits(Scanned(id, kLong[i]), want[i]));
    EXPECT_TRUE(SameBits(Cursored(id, kLong[i]), want[i]));
  }
  const DatabaseStats s = db_->GetStats();
  EXPECT_EQ(s.decoded_frame_cache_hits + s.decoded_frame_cache_misses, 0u);
  EXPECT_EQ(s.decoded_frame_cache_bytes, 0u);
}

TEST_F(DecodedFrameCacheTest, AResealedSegmentAndARangeDeletionAreSeenAtOnce) {
  Open(Options{});
  const SeriesId id = WriteSealed("x");
  const Range r{300 * 1000, 310 * 1000};
  std::vector<Sample> first = Scanned(id, r);
  ASSERT_EQ(first.size(), 11u);
  // A late sample replaces one inside the cached frame, then is sealed into
  // the segment: the segment's bytes change, its frames miss.
  WriteBatch late;
  late.Add({{"__name__", "x"}}, 305 * 1000, 12345.5);
  ASSERT_TRUE(db_->Write(late).ok());
  EXPECT_EQ(Scanned(id, r)[5].value, 12345.5);  // raw, merged over the cached frame
  ASSERT_TRUE(db_->Compact(kMaxTime).ok());
  const uint64_t misses = db_->GetStats().decoded_frame_cache_misses;
  std::vector<Sample> resealed = Scanned(id, r);
  EXPECT_GT(db_->GetStats().decoded_frame_cache_misses, misses);
  ASSERT_EQ(resealed.size(), 11u);
  EXPECT_EQ(resealed[5].value, 12345.5);
  for (size_t i = 0; i < 11; ++i) {
    if (i != 5) {
      EXPECT_EQ(std::memcmp(&resealed[i].value, &first[i].value, sizeof(double)), 0) << i;
    }
  }
  ASSERT_TRUE(db_->DeleteRange(id, 303 * 1000, 307 * 1000).ok());
  ASSERT_TRUE(db_->Compact(kMaxTime).ok());
  EXPECT_EQ(Scanned(id, r).size(), 6u);
}

TEST_F(DecodedFrameCacheTest, ADamagedRecordIsReportedEveryTimeAndNeverCached) {
  Open(Options{});
  const SeriesId id = WriteSealed("x");
  const Range r{300 * 1000, 310 * 1000};
  ASSERT_EQ(Scanned(id, r).size(), 11u);
  db_.reset();
  {
    // Damage the first segment's value bytes, as a bad disk would below
    // RocksDB's checks.
    auto store = storage::Store::Open(storage::StoreOptions{}, dir_.path() + "/rocksdb");
    ASSERT_TRUE(store.ok());
    auto cursor = (*store)->NewSegmentCursor(id, kMinTime);
    ASSERT_TRUE(cursor->Valid());
    std::string bytes(cursor->bytes());
    const int64_t key = cursor->max_ts();
    cursor.reset();
    bytes[bytes.size() - 20] ^= 0x10;
    storage::Batch batch(store->get());
    batch.PutSegment(id, key, bytes);
    ASSERT_TRUE((*store)->Commit(&batch).ok());
  }
  Open(Options{});
  for (int pass = 0; pass < 2; ++pass) {
    auto it = db_->Scan(id, r.lo, r.hi);
    ASSERT_TRUE(it.ok());
    std::vector<Sample> out;
    (*it)->NextBatch(1 << 30, &out);
    EXPECT_TRUE(out.empty());
    EXPECT_EQ((*it)->status().code(), Status::Code::kCorruption) << (*it)->status().ToString();
  }
  EXPECT_EQ(db_->GetStats().decoded_frame_cache_bytes, 0u);
  // The second segment is whole and still reads.
  EXPECT_EQ(Scanned(id, {4000 * 1000, 4010 * 1000}).size(), 11u);
}

TEST_F(DecodedFrameCacheTest, TheCacheStaysWithinItsBoundAndIsChargedToTheMemoryLimit) {
  Options small;
  small.decoded_frame_cache_bytes = 8 * 1024;  // three frames or so
  Open(small);
  std::vector<SeriesId> ids;
  for (int i = 0; i < 6; ++i) ids.push_back(WriteSealed("s" + std::to_string(i)));
  for (SeriesId id : ids) {
    for (Range r : kShort) Scanned(id, r);
    EXPECT_LE(db_->GetStats().decoded_frame_cache_bytes, small.decoded_frame_cache_bytes);
  }
  EXPECT_GT(db_->GetStats().decoded_frame_cache_bytes, 0u);

  Options limited;
  limited.memory_limit_bytes = 64u << 20;
  Open(limited);
  const size_t before = db_->memory()->caches().in_use();
  for (SeriesId id : ids) {
    for (Range r : kShort) Scanned(id, r);
  }
  const uint64_t held = db_->GetStats().decoded_frame_cache_bytes;
  EXPECT_GT(held, 0u);
  EXPECT_LE(held, SplitMemoryLimit(limited.memory_limit_bytes).decoded_frame_cache_bytes);
  EXPECT_GE(db_->memory()->caches().in_use(), before + held);
}

TEST(DecodedFrameCacheUnitTest, KeysDifferingInAnyFieldAreDifferentEntries) {
  MemoryPool pool;
  {
    engine::DecodedFrameCache cache(1 << 20, &pool);
    const engine::DecodedFrameCache::Key key{{7, 1000, 300, 0xabcdef}, 2};
    cache.Insert(key, std::make_shared<const std::vector<double>>(std::vector<double>{1.5, 2.5}));
    ASSERT_NE(cache.Find(key), nullptr);
    EXPECT_EQ(*cache.Find(key), (std::vector<double>{1.5, 2.5}));
    for (auto other : {engine::DecodedFrameCache::Key{{8, 1000, 300, 0xabcdef}, 2},
                       engine::DecodedFrameCache::Key{{7, 1001, 300, 0xabcdef}, 2},
                       engine::DecodedFrameCache::Key{{7, 1000, 301, 0xabcdef}, 2},
                       engine::DecodedFrameCache::Key{{7, 1000, 300, 0xabcdee}, 2},
                       engine::DecodedFrameCache::Key{{7, 1000, 300, 0xabcdef}, 3}}) {
      EXPECT_EQ(cache.Find(other), nullptr);
    }
    EXPECT_GT(pool.in_use(), 0u);
    EXPECT_EQ(pool.in_use(), cache.size_bytes());
  }
  EXPECT_EQ(pool.in_use(), 0u);
}

TEST(ShardedChargedLruTest, ShardsOfAtLeastTheirMinimumUpToSixteen) {
  using Lru = engine::ShardedChargedLru<int, int, std::hash<int>>;
  EXPECT_EQ(Lru(8 * 1024, nullptr, 1 << 20).shards(), 1u);
  EXPECT_EQ(Lru(2u << 20, nullptr, 1 << 20).shards(), 2u);
  EXPECT_EQ(Lru(3u << 20, nullptr, 1 << 20).shards(), 2u);
  EXPECT_EQ(Lru(32u << 20, nullptr, 1 << 20).shards(), 16u);
  EXPECT_EQ(Lru(1u << 30, nullptr, 1 << 20).shards(), 16u);
}

TEST(ShardedChargedLruTest, BoundedChargedAndCountedAcrossShards) {
  MemoryPool pool;
  {
    // 8 shards of 1,000 bytes; entries of 100 bytes.
    engine::ShardedChargedLru<int, int, std::hash<int>> lru(8000, &pool, 1000);
    ASSERT_EQ(lru.shards(), 8u);
    for (int k = 0; k < 1000; ++k) {
      lru.Insert(k, k * 3, 100);
      ASSERT_LE(lru.size_bytes(), 8000u);
      ASSERT_EQ(pool.in_use(), lru.size_bytes());
    }
    // A shard is full at 10 entries; most are by now.
    EXPECT_GT(lru.size_bytes(), 6000u);
    // The entries still held are the latest of their shards, and answer
    // with their own values.
    int found = 0;
    for (int k = 999; k >= 0; --k) {
      int v = -1;
      if (lru.Find(k, &v)) {
        EXPECT_EQ(v, k * 3);
        ++found;
      }
    }
    EXPECT_EQ(static_cast<size_t>(found) * 100, lru.size_bytes());
    EXPECT_EQ(lru.hits(), static_cast<uint64_t>(found));
    EXPECT_EQ(lru.misses(), static_cast<uint64_t>(1000 - found));
    int v = 0;
    EXPECT_TRUE(lru.Find(999, &v));  // the last one in is kept
    // An entry as large as a shard fits; a larger one is not kept.
    lru.Insert(5000, 1, 1000);
    EXPECT_TRUE(lru.Find(5000, &v));
    lru.Insert(5001, 1, 1001);
    EXPECT_FALSE(lru.Find(5001, &v));
    EXPECT_EQ(pool.in_use(), lru.size_bytes());
  }
  EXPECT_EQ(pool.in_use(), 0u);
}

TEST(ShardedChargedLruTest, ThreadsFindAndInsertAtOnce) {
  MemoryPool pool;
  engine::ShardedChargedLru<int, std::shared_ptr<const int>, std::hash<int>> lru(64 * 1000, &pool, 1000);
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20000; ++i) {
        const int k = (i * 7 + t * 13) % 3000;
        std::shared_ptr<const int> v;
        if (lru.Find(k, &v)) {
          if (*v != k) wrong.fetch_add(1);
        } else {
          lru.Insert(k, std::make_shared<const int>(k), 100);
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(lru.hits() + lru.misses(), 4u * 20000);
  EXPECT_LE(lru.size_bytes(), 64u * 1000);
  EXPECT_EQ(pool.in_use(), lru.size_bytes());
}

}  // namespace
}  // namespace overtone
