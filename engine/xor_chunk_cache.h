// XorChunkCache: sealed segments kept as Prometheus XOR chunks
// (storage/codec/xor_chunk.h), so that a remote read asking again for
// sealed data (a Prometheus or Grafana re-reading the same hours) sends the
// chunk bytes as they are, without decoding the segment's FLAC frames and
// encoding the samples again.
//
// A segment's chunks are cut at fixed positions within it: every
// kXorChunkSamples samples from its first, so that the chunks of a segment
// are the same whatever range asked for them. A request reading part of a
// segment not cached builds only the chunks it touches (a run of them,
// from the FLAC frames that hold them): a short read of the latest hour
// encodes two chunks of a segment's twelve. A later request needing chunks
// outside the run builds the run that spans both and replaces the entry.
// Entries are keyed by series,
// the segment's last timestamp (its key), its record's size and its stored
// CRC-32C: a segment rewritten by compaction (a late sample re-sealed) or
// by a range deletion has new bytes, so an entry never answers for bytes
// other than its own (nothing to invalidate: bytes deleted or replaced are
// never asked for again, and their entries go with the least recently
// used). Memory only: nothing of it survives the process.
//
// Scan-resistant: a remote read of everything (a Prometheus reading back
// all its history) asks for more chunks than the cache holds, and asks
// again in the same order. Under plain LRU each such read would evict every
// entry before it is asked for again, and miss every time while paying for
// insertion and eviction. So once the cache is full, a new entry goes in as
// the least recently used (the next one evicted unless asked for again
// first), except one insertion in kHotInsertEvery, which goes in as the most
// recently used (bimodal insertion, Qureshi et al., ISCA 2007): a repeated
// scan larger than the cache keeps hitting the part that fits, and a new set
// of chunks asked for again and again still displaces an old one over time.
// Thread-safe.

#ifndef OVERTONE_ENGINE_XOR_CHUNK_CACHE_H_
#define OVERTONE_ENGINE_XOR_CHUNK_CACHE_H_

#include <atomic>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/charged_lru.h"
#include "overtone/memory.h"
#include "overtone/status.h"
#include "overtone/types.h"

namespace overtone::engine {

// One segment's samples as XOR chunks, in order: all of its chunks, or a
// run of them (what a request reading part of the segment built).
struct SegmentXorChunks {
  struct Chunk {
    int64_t min_ts, max_ts;
    uint32_t samples;
    uint32_t offset, size;  // of its bytes in `data`
  };
  std::vector<Chunk> chunks;
  std::string data;  // every chunk's bytes, one after another
  // The segment's first and last timestamps.
  int64_t segment_min_ts = 0, segment_max_ts = 0;
  // chunks[0] is the segment's chunk number `first_chunk` (counted from 0);
  // `to_end`: chunks.back() is its last.
  uint32_t first_chunk = 0;
  bool to_end = true;
  // Every sample of the segment within [reach_min_ts, reach_max_ts] is in
  // `chunks`: from just past the last sample before them (kMinTime when
  // none) to just before the first sample after them (kMaxTime when none).
  int64_t reach_min_ts = std::numeric_limits<int64_t>::min(),
          reach_max_ts = std::numeric_limits<int64_t>::max();

  std::string_view bytes(const Chunk& c) const { return std::string_view(data).substr(c.offset, c.size); }
  bool whole() const { return first_chunk == 0 && to_end; }
  // Whether every sample of the segment within [min_ts, max_ts] is in `chunks`.
  bool Covers(int64_t min_ts, int64_t max_ts) const {
    return min_ts >= reach_min_ts && max_ts <= reach_max_ts;
  }
  // What the entry is charged: its chunks, its bytes and the cache's own
  // bookkeeping (list node, hash entry).
  size_t charge() const {
    return sizeof(SegmentXorChunks) + chunks.size() * sizeof(Chunk) + data.size() + 128;
  }
};

// Cuts `samples` (one segment's, ascending) into chunks of `chunk_samples`
// from the first and encodes each.
Status BuildSegmentXorChunks(std::span<const Sample> samples, size_t chunk_samples, SegmentXorChunks* out);

// The chunks alone (`chunks` and `data`) of `samples`, cut every
// `chunk_samples` from the first: for a run of a segment's chunks,
// `samples` start at a chunk's first sample and end at a chunk's end, and
// the caller sets the other fields. Each chunk's bytes are those
// BuildSegmentXorChunks gives it for the whole segment.
Status EncodeXorChunkRun(std::span<const Sample> samples, size_t chunk_samples, SegmentXorChunks* out);

class XorChunkCache {
 public:
  // `memory`, when given, is charged with what the cache holds.
  explicit XorChunkCache(size_t capacity_bytes, MemoryPool* memory = nullptr)
      : lru_(capacity_bytes, memory) {}

  using Key = SegmentRecordId;
  // The key of the segment record `bytes` of series `id`: taken without
  // parsing the record, so that a hit neither parses nor checksums it (the
  // entry was built from bytes that passed the check, and other bytes have
  // another size or CRC).
  static Key KeyOf(SeriesId id, int64_t key_ts, std::string_view bytes) {
    return SegmentRecordId::Of(id, key_ts, bytes);
  }

  // The entry, or null.
  std::shared_ptr<const SegmentXorChunks> Find(const Key& key);
  // Counts a segment answered from the cache (hit) or encoded for it.
  void Count(bool hit) { (hit ? hits_ : misses_).fetch_add(1, std::memory_order_relaxed); }
  // Keeps `chunks` unless it alone passes the capacity or the key has an
  // entry; evicts the least recently used entries to make room, and when it
  // had to, keeps `chunks` as the least recently used but for one insertion
  // in kHotInsertEvery.
  void Insert(const Key& key, std::shared_ptr<const SegmentXorChunks> chunks);
  // Drops the entry of `key` (a run of chunks to be replaced by a longer one).
  void Erase(const Key& key) { lru_.Erase(key); }

  static constexpr uint32_t kHotInsertEvery = 32;

  size_t size_bytes() const { return lru_.size_bytes(); }
  size_t capacity_bytes() const { return lru_.capacity_bytes(); }
  uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }
  uint64_t misses() const { return misses_.load(std::memory_order_relaxed); }

 private:
  struct KeyHash {
    size_t operator()(const Key& k) const { return std::hash<uint64_t>()(k.Hash()); }
  };
  ChargedLru<Key, std::shared_ptr<const SegmentXorChunks>, KeyHash> lru_;
  std::atomic<uint64_t> hits_{0}, misses_{0};
  std::atomic<uint32_t> inserts_{0};
};

}  // namespace overtone::engine

#endif  // OVERTONE_ENGINE_XOR_CHUNK_CACHE_H_
