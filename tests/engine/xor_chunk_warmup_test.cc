// Options::warm_xor_chunks_at_open (engine/xor_chunk_warmup.cc): a database
// whose remote reads asked for XOR chunks builds its newest segments'
// chunks again after a reopen, newest first and within three quarters of
// the cache, and answers with the same bytes as without; nothing is built
// without the read hint or without the option, and a read-only open does
// not store the hint.

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "overtone/database.h"
#include "tests/support/test_util.h"

namespace overtone {
namespace {

constexpr int64_t kSpan = 600 * 1000;  // 10-minute segments: 600 samples at 1 s
constexpr int kSegments = 6;           // an hour a series

// Every chunk of a read, its bytes and bounds, in order.
struct Read {
  std::vector<std::string> bytes;
  std::vector<std::pair<int64_t, int64_t>> bounds;
  bool operator==(const Read&) const = default;
};

class XorChunkWarmUpTest : public ::testing::Test {
 protected:
  void Open(bool warm, size_t cache_bytes = 64u << 20, OpenMode mode = OpenMode::kReadWrite) {
    db_.reset();
    Options o;
    o.compaction_interval_ms = 0;
    o.segment_span_ms = kSpan;
    o.xor_chunk_cache_bytes = cache_bytes;
    o.warm_xor_chunks_at_open = warm;
    o.open_mode = mode;
    auto db = Database::Open(o, dir_.path());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
  }

  // `n` series of an hour of samples 1 s apart, sealed: six segments each.
  void WriteSealed(int n) {
    WriteBatch b;
    uint64_t x = 88172645463325252ull;
    for (int s = 0; s < n; ++s) {
      const Labels labels = {{"__name__", "m"}, {"i", std::to_string(s)}};
      for (int64_t i = 0; i < kSegments * 600; ++i) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        b.Add(labels, i * 1000, static_cast<double>(x % 10000) / 100);
      }
    }
    ASSERT_TRUE(db_->Write(b).ok());
    ASSERT_TRUE(db_->Compact(kMaxTime).ok());
    const std::vector<LabelMatcher> m = {{MatchType::kEqual, "__name__", "m"}};
    auto ids = db_->Select(m);
    ASSERT_TRUE(ids.ok());
    ids_.clear();
    for (const SeriesInfo& s : *ids) ids_.push_back(s.id);
    ASSERT_EQ(ids_.size(), static_cast<size_t>(n));
  }

  Read Chunks(SeriesId id, int64_t lo, int64_t hi) {
    Read out;
    Status s = db_->ScanXorChunks(id, lo, hi, [&](const XorChunkView& c) {
      out.bytes.emplace_back(c.data);
      out.bounds.emplace_back(c.min_ts, c.max_ts);
      return Status::OK();
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }

  std::vector<Read> ReadAll() {
    std::vector<Read> out;
    for (SeriesId id : ids_) out.push_back(Chunks(id, kMinTime, kMaxTime));
    return out;
  }

  // Waits (at most 20 s) for the warm-up to finish; its stats then.
  DatabaseStats WarmedUp() {
    DatabaseStats st = db_->GetStats();
    for (int i = 0; i < 2000 && st.xor_chunk_warming; ++i, st = db_->GetStats()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_FALSE(st.xor_chunk_warming);
    return st;
  }

  testing::TempDir dir_;
  std::unique_ptr<Database> db_;
  std::vector<SeriesId> ids_;
};

TEST_F(XorChunkWarmUpTest, BuildsEverySegmentAfterReadsAskedAndAnswersAsBefore) {
  Open(false);
  WriteSealed(3);
  const std::vector<Read> before = ReadAll();  // stores the read hint
  Open(true);
  const DatabaseStats st = WarmedUp();
  EXPECT_EQ(st.xor_chunk_warm_segments, 3u * kSegments);
  EXPECT_GT(st.xor_chunk_cache_bytes, 0u);
  EXPECT_EQ(ReadAll(), before);
  // Every segment answered from what the warm-up built.
  const DatabaseStats after = db_->GetStats();
  EXPECT_EQ(after.xor_chunk_cache_hits, 3u * kSegments);
  EXPECT_EQ(after.xor_chunk_cache_misses, 0u);
}

TEST_F(XorChunkWarmUpTest, ReadsWhileItRunsAnswerAsBefore) {
  Open(false);
  WriteSealed(40);
  const std::vector<Read> before = ReadAll();
  for (int round = 0; round < 3; ++round) {
    Open(true);
    EXPECT_EQ(ReadAll(), before);
    WarmedUp();
    EXPECT_EQ(ReadAll(), before);
  }
  // Closed while it runs: the close waits for it, and nothing is lost.
  Open(true);
  Open(false);
  EXPECT_EQ(ReadAll(), before);
}

TEST_F(XorChunkWarmUpTest, NothingWithoutTheReadHint) {
  Open(false);
  WriteSealed(3);
  Open(true);
  const DatabaseStats st = WarmedUp();
  EXPECT_EQ(st.xor_chunk_warm_segments, 0u);
  EXPECT_EQ(st.xor_chunk_cache_bytes, 0u);
}

TEST_F(XorChunkWarmUpTest, NothingWithoutTheOptionAndTheHintStays) {
  Open(false);
  WriteSealed(3);
  ReadAll();
  Open(false);
  DatabaseStats st = WarmedUp();
  EXPECT_EQ(st.xor_chunk_warm_segments, 0u);
  EXPECT_EQ(st.xor_chunk_cache_bytes, 0u);
  // A process that did not read chunks leaves the hint where it was.
  Open(true);
  st = WarmedUp();
  EXPECT_EQ(st.xor_chunk_warm_segments, 3u * kSegments);
}

TEST_F(XorChunkWarmUpTest, AReadOnlyOpenDoesNotStoreTheHint) {
  Open(false);
  WriteSealed(3);
  Open(false, 64u << 20, OpenMode::kReadOnly);
  ReadAll();
  Open(true);
  EXPECT_EQ(WarmedUp().xor_chunk_warm_segments, 0u);
}

TEST_F(XorChunkWarmUpTest, NewestSegmentsFirstWithinThreeQuartersOfTheCache) {
  constexpr int kSeries = 10;
  Open(false);
  WriteSealed(kSeries);
  ReadAll();
  Open(true);
  const DatabaseStats all = WarmedUp();
  ASSERT_EQ(all.xor_chunk_warm_segments, static_cast<uint64_t>(kSeries * kSegments));
  // A cache whose three quarters hold about 15 of the 60 segments.
  const size_t per_segment = all.xor_chunk_cache_bytes / all.xor_chunk_warm_segments;
  const size_t capacity = per_segment * 15 * 4 / 3;
  Open(true, capacity);
  const DatabaseStats st = WarmedUp();
  EXPECT_GE(st.xor_chunk_warm_segments, static_cast<uint64_t>(kSeries));
  EXPECT_LT(st.xor_chunk_warm_segments, static_cast<uint64_t>(2 * kSeries));
  EXPECT_LE(st.xor_chunk_cache_bytes, capacity / 4 * 3);
  // Every series' newest segment is among them.
  const int64_t newest_from = (kSegments - 1) * kSpan;
  for (SeriesId id : ids_) Chunks(id, newest_from, kMaxTime);
  const DatabaseStats read = db_->GetStats();
  EXPECT_EQ(read.xor_chunk_cache_hits, static_cast<uint64_t>(kSeries));
  EXPECT_EQ(read.xor_chunk_cache_misses, 0u);
}

}  // namespace
}  // namespace overtone
