// DecodedFrameCache: the FLAC frames of sealed segments kept decoded, so
// that a query read again (a dashboard refreshing its panels, the next
// evaluation of a rule) takes the values of the frames its windows touch
// without running libFLAC again, and without checksumming the segment
// again.
//
// Why: an instant query reads the last minutes of each series, which lie in
// one FLAC frame of up to 256 samples (storage/codec/flac_values.h); the
// frame is decoded whole for the few samples the window holds, and before
// it the whole segment record's CRC-32C is computed. At 1,000 hosts these
// two were about 37% of an instant query's read.
//
// An entry is one frame's values, keyed by series, the segment's key (its
// last timestamp), its record's size, its stored CRC-32C and the frame's
// number: a segment rewritten by compaction (a late sample re-sealed) or by
// a range deletion has new bytes, so an entry never answers for bytes other
// than its own, and nothing needs invalidating (XorChunkCache is keyed the
// same way). Entries are made only from records whose checksum was
// verified; a reader that finds every frame it needs here therefore skips
// the checksum, which RocksDB's own block checksums back while the record
// stays in the database. Memory only; bounded by bytes and charged to the
// caches share of the memory limit. Thread-safe.

#ifndef OVERTONE_ENGINE_DECODED_FRAME_CACHE_H_
#define OVERTONE_ENGINE_DECODED_FRAME_CACHE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "engine/charged_lru.h"
#include "overtone/memory.h"
#include "overtone/status.h"
#include "overtone/types.h"
#include "storage/codec/segment.h"

namespace overtone::engine {

class DecodedFrameCache {
 public:
  using Frame = std::shared_ptr<const std::vector<double>>;

  // `memory`, when given, is charged with what the cache holds.
  explicit DecodedFrameCache(size_t capacity_bytes, MemoryPool* memory = nullptr)
      : lru_(capacity_bytes, memory, kMinShardBytes) {}

  struct Key {
    SegmentRecordId record;
    uint32_t frame;  // the frame's number within the segment
    bool operator==(const Key&) const = default;
  };

  // The frame, or null; counted as a hit or a miss.
  Frame Find(const Key& key);
  // Keeps `values` unless it alone passes the capacity.
  void Insert(const Key& key, Frame values);

  size_t size_bytes() const { return lru_.size_bytes(); }
  size_t capacity_bytes() const { return lru_.capacity_bytes(); }
  uint64_t hits() const { return lru_.hits(); }
  uint64_t misses() const { return lru_.misses(); }

 private:
  struct KeyHash {
    size_t operator()(const Key& k) const {
      return std::hash<uint64_t>()(k.record.Hash() ^ (uint64_t{k.frame} * 0xff51afd7ed558ccdull));
    }
  };
  // Shards of at least 1 MiB (a frame is at most 2 KiB): the default 32 MiB
  // cache has 16, a small one fewer.
  static constexpr size_t kMinShardBytes = 1u << 20;
  ShardedChargedLru<Key, Frame, KeyHash> lru_;
};

// A segment record of series `id` read through `cache`: its header parsed,
// and its checksum verified only when a frame it needs is not in the cache.
class CachedSegmentRecord {
 public:
  CachedSegmentRecord(DecodedFrameCache* cache, SeriesId id, int64_t key_ts, std::string_view bytes);

  // The header (ParseSegmentHeader); Corruption when it is wrong.
  Status Parse(storage::SegmentView* view);
  // Verifies the checksum, once.
  Status Verify();
  // Decodes values [begin, end) of the record's value block: FLAC frames
  // from the cache where they are, the others decoded (after Verify) and
  // kept; other codecs decoded as they are (after Verify).
  Status DecodeValues(const storage::SegmentView& view, size_t begin, size_t end, std::vector<double>* out);
  // DecodeValues as a storage::ValueBlockDecoder.
  const storage::ValueBlockDecoder& decoder() const { return decoder_; }

 private:
  DecodedFrameCache* cache_;
  DecodedFrameCache::Key key_;
  std::string_view bytes_;
  bool verified_ = false;
  storage::ValueBlockDecoder decoder_;
};

}  // namespace overtone::engine

#endif  // OVERTONE_ENGINE_DECODED_FRAME_CACHE_H_
