// SeriesIdCache: the remote write receiver's memory of the series it has
// written, from the bytes that encode a series' label set in a request to
// the series' id, so that a series seen before skips building its label
// strings, checking them and the index lookup (Database::WriteWithIds).
//
// The key is the label set as remote write 1.0 encodes it: the
// TimeSeries' `labels` fields (each a Label message, field number, length
// and bytes) exactly as they came. A 2.0 series' key is the same encoding
// built from its symbol references, so a series sent by both protocols in
// the canonical encoding shares one entry. The same bytes always parse to
// the same label set; different bytes of one label set (another order, an
// empty value written out) only miss, never confuse two series.
//
// A hit compares the stored key byte for byte, so two keys with one hash
// stay two entries. Only label sets that were valid and written are
// stored, with the id that write gave back; an id that stopped being good
// (the series was deleted or went cold) is found out by the write
// (WriteWithIds' `stale`) and erased here.
//
// Memory: entries live in shards, each an open-addressing table of 24-byte
// slots and one byte arena for the keys. The cache holds at most
// `max_bytes` and charges what it holds to `pool` (the memory limit's
// caches share) while the pool lets it; a shard that would pass its share
// is emptied and starts over, so under churn it holds the series sent
// lately. Both grow in small steps (the table doubles at 3/4 full, the
// arena by a quarter), so that what a shard holds stays close to what its
// keys need: a shard whose arena doubled at the wrong moment passed its
// share with room to spare and started over, and the next scrape then
// missed on the series it had held (1M series arriving in one order lost
// 94% of the second scrape's hits).
// Thread-safe: a reader-writer lock per shard.

#ifndef OVERTONE_ADAPTERS_PROMETHEUS_SERIES_ID_CACHE_H_
#define OVERTONE_ADAPTERS_PROMETHEUS_SERIES_ID_CACHE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "overtone/memory.h"
#include "overtone/types.h"

namespace overtone::adapters {

class SeriesIdCache {
 public:
  static constexpr size_t kDefaultMaxBytes = size_t{256} << 20;

  // pool: charged for what the cache holds (null: not charged).
  explicit SeriesIdCache(MemoryPool* pool = nullptr, size_t max_bytes = kDefaultMaxBytes);
  ~SeriesIdCache();
  SeriesIdCache(const SeriesIdCache&) = delete;
  SeriesIdCache& operator=(const SeriesIdCache&) = delete;

  // Replaces the key hash, so that tests can make keys collide.
  void SetHashForTesting(uint64_t (*hash)(std::string_view key)) { hash_ = hash; }

  uint64_t Hash(std::string_view key) const { return hash_(key); }
  // The id stored for `key` (whose Hash is h), or 0.
  SeriesId Find(uint64_t h, std::string_view key) const;

  // A key to look up: hash and key in, id out (what Find gives).
  struct Lookup {
    uint64_t hash = 0;
    std::string_view key;
    SeriesId id = 0;
    size_t candidate_ = 0;  // FindMany's: the first slot it will compare
  };
  // Find for every entry, each shard locked once per call instead of once
  // a key. At 1M keys nearly every Find waits for two cache (and TLB)
  // misses, its slot's and then its key's; here every key's slot is asked
  // for first, then every key's bytes, then the keys are compared, so the
  // misses of a request's keys overlap instead of following one another.
  void FindMany(std::span<Lookup> lookups) const;
  // Stores (or replaces) key -> id. REQUIRES: id != 0, !key.empty().
  void Insert(uint64_t h, std::string_view key, SeriesId id);
  // Forgets `key` if it maps to `id`.
  void Erase(uint64_t h, std::string_view key, SeriesId id);

  size_t size() const;          // keys held
  size_t memory_bytes() const;  // what is charged
  uint64_t resets() const;      // shards emptied for want of room

 private:
  struct Slot {
    uint64_t hash = 0;
    SeriesId id = 0;   // 0 with len != 0: erased, kept for the probe chain
    uint32_t off = 0;  // of the key in the shard's arena
    uint32_t len = 0;  // 0: never used
  };
  struct Shard {
    mutable std::shared_mutex mu;
    std::vector<Slot> slots;  // a power of two, or empty
    size_t used = 0;          // slots with len != 0
    size_t live = 0;          // of them, not erased
    std::vector<char> arena;  // grown by Append, never by the vector's doubling
    size_t charged = 0;
  };
  static constexpr size_t kShards = 64;

  static size_t ShardIndex(uint64_t h) { return (h >> 58) & (kShards - 1); }
  Shard& ShardOf(uint64_t h) const { return shards_[ShardIndex(h)]; }
  // REQUIRES: shard.mu held. Index of the slot holding key, or of the
  // empty slot where the probe for it ends; SIZE_MAX when slots is empty.
  static size_t Probe(const Shard& shard, uint64_t h, std::string_view key);
  // REQUIRES: shard.mu held, slots not empty. From slot i on, the first
  // slot that is empty or holds hash h (the key is not compared).
  static size_t NextCandidate(const Shard& shard, uint64_t h, size_t i);
  // Whether used slot s holds key.
  static bool Holds(const Shard& shard, const Slot& s, std::string_view key);
  // REQUIRES: shard.mu held exclusively.
  void Grow(Shard& shard);
  // Appends key to the shard's arena, growing it by a quarter when full.
  static size_t Append(Shard& shard, std::string_view key);
  void Reset(Shard& shard);
  bool Charge(Shard& shard);  // charges what the shard holds now; false: over budget

  uint64_t (*hash_)(std::string_view);
  MemoryPool* const pool_;
  const size_t max_shard_bytes_;
  mutable std::unique_ptr<Shard[]> shards_;
  std::atomic<uint64_t> resets_{0};
};

}  // namespace overtone::adapters

#endif  // OVERTONE_ADAPTERS_PROMETHEUS_SERIES_ID_CACHE_H_
