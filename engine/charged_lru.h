// ChargedLru: a map bounded by bytes that evicts the least recently used
// entries past its capacity and charges what it holds to a MemoryPool, for
// the engine's caches of decoded segment data (SummaryCache, DecodedFrameCache,
// XorChunkCache). Values are small handles (shared_ptrs): a caller keeps
// what it found alive after the entry is evicted. An entry larger than the
// whole capacity is not kept. An entry may go in as the least recently used
// when there is no room for it (Place::kLeastRecentWhenFull), for a cache
// that must not let a scan larger than itself evict everything it holds.
// Thread-safe.

#ifndef OVERTONE_ENGINE_CHARGED_LRU_H_
#define OVERTONE_ENGINE_CHARGED_LRU_H_

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "overtone/memory.h"
#include "overtone/types.h"

namespace overtone::engine {

// The CRC-32C a segment or summary record stores in its last four bytes
// (little-endian), 0 for a record shorter than that: read without checking,
// so that a cache keyed by it knows a record's bytes without parsing them.
inline uint32_t StoredRecordCrc(std::string_view record) {
  uint32_t crc = 0;
  for (size_t i = 0; i < 4 && record.size() >= 4; ++i)
    crc |= static_cast<uint32_t>(static_cast<uint8_t>(record[record.size() - 4 + i])) << (8 * i);
  return crc;
}

// Which stored segment record an entry was made from: the series, the
// segment's key (its last timestamp), the record's size and its stored
// CRC-32C. A segment rewritten by compaction or a range deletion has other
// bytes, so a cache keyed by this never answers for bytes other than its
// own and needs no invalidation. Taken without parsing the record.
struct SegmentRecordId {
  SeriesId id;
  int64_t key_ts;
  uint32_t size;
  uint32_t crc;
  bool operator==(const SegmentRecordId&) const = default;

  static SegmentRecordId Of(SeriesId id, int64_t key_ts, std::string_view bytes) {
    return {id, key_ts, static_cast<uint32_t>(bytes.size()), StoredRecordCrc(bytes)};
  }
  uint64_t Hash() const {
    return id * 0x9e3779b97f4a7c15ull ^ static_cast<uint64_t>(key_ts) ^ (uint64_t{crc} << 17) ^
           (uint64_t{size} << 40);
  }
};

template <typename Key, typename Value, typename Hash>
class ChargedLru {
 public:
  // `memory`, when given, is charged with what the cache holds.
  explicit ChargedLru(size_t capacity_bytes, MemoryPool* memory)
      : capacity_(capacity_bytes), memory_(memory) {}
  ~ChargedLru() {
    if (memory_ != nullptr) memory_->Release(used_);
  }
  ChargedLru(const ChargedLru&) = delete;
  ChargedLru& operator=(const ChargedLru&) = delete;

  // The value of `key`, made the most recently used; false if absent.
  bool Find(const Key& key, Value* out) {
    std::lock_guard lock(mu_);
    auto it = index_.find(key);
    if (it == index_.end()) return false;
    lru_.splice(lru_.begin(), lru_, it->second);
    *out = it->second->value;
    return true;
  }

  // Where Insert puts an entry in the eviction order.
  enum class Place {
    kMostRecent,  // evicted after every other entry not used since
    // As the most recently used when it fits without evicting anything;
    // else as the least recently used, so that it is the next entry evicted
    // unless Find asks for it first.
    kLeastRecentWhenFull,
  };

  // Keeps `value`, charged `bytes`, unless `key` is already there or it
  // alone passes the capacity; evicts the least recently used entries to
  // make room for it.
  void Insert(const Key& key, Value value, size_t bytes, Place place = Place::kMostRecent) {
    std::lock_guard lock(mu_);
    if (index_.count(key) != 0 || bytes > capacity_) return;
    const bool full = used_ + bytes > capacity_;
    while (used_ + bytes > capacity_) {
      used_ -= lru_.back().bytes;
      if (memory_ != nullptr) memory_->Release(lru_.back().bytes);
      index_.erase(lru_.back().key);
      lru_.pop_back();
    }
    used_ += bytes;
    if (memory_ != nullptr) memory_->Charge(bytes);
    if (full && place == Place::kLeastRecentWhenFull) {
      lru_.push_back(Entry{key, std::move(value), bytes});
      index_[key] = std::prev(lru_.end());
    } else {
      lru_.push_front(Entry{key, std::move(value), bytes});
      index_[key] = lru_.begin();
    }
  }

  // Drops the entry of `key`, if any, and releases its charge.
  void Erase(const Key& key) {
    std::lock_guard lock(mu_);
    auto it = index_.find(key);
    if (it == index_.end()) return;
    used_ -= it->second->bytes;
    if (memory_ != nullptr) memory_->Release(it->second->bytes);
    lru_.erase(it->second);
    index_.erase(it);
  }

  size_t size_bytes() const {
    std::lock_guard lock(mu_);
    return used_;
  }
  size_t capacity_bytes() const { return capacity_; }

 private:
  struct Entry {
    Key key;
    Value value;
    size_t bytes;
  };

  const size_t capacity_;
  MemoryPool* const memory_;
  mutable std::mutex mu_;
  std::list<Entry> lru_;  // front: most recently used
  std::unordered_map<Key, typename std::list<Entry>::iterator, Hash> index_;
  size_t used_ = 0;
};

// A ChargedLru split into shards by the key's hash, each with its own
// mutex, list and capacity (an equal part of the whole), for a cache that
// every thread of a parallel evaluation looks up for every series: with one
// mutex those threads took turns, and its cache line went from core to core
// on every lookup. Eviction is least recently used within a shard. Each
// shard holds at least `min_shard_bytes` (fewer shards for a small cache),
// so that an entry that fits the whole fits its shard. The memory charged
// is what the shards hold, as one ChargedLru's would be. Thread-safe.
template <typename Key, typename Value, typename Hash>
class ShardedChargedLru {
 public:
  static constexpr size_t kMaxShards = 16;

  ShardedChargedLru(size_t capacity_bytes, MemoryPool* memory, size_t min_shard_bytes)
      : capacity_(capacity_bytes) {
    size_t shards = 1;
    while (shards < kMaxShards && capacity_bytes / (shards * 2) >= min_shard_bytes) shards *= 2;
    shard_bits_ = static_cast<unsigned>(std::countr_zero(shards));
    shards_ = std::make_unique<Shard[]>(shards);
    for (size_t i = 0; i < shards; ++i) shards_[i].lru.emplace(capacity_bytes / shards, memory);
  }

  // As ChargedLru::Find, counted as a hit or a miss.
  bool Find(const Key& key, Value* out) {
    Shard& shard = ShardOf(key);
    const bool found = shard.lru->Find(key, out);
    (found ? shard.hits : shard.misses).fetch_add(1, std::memory_order_relaxed);
    return found;
  }
  void Insert(
      const Key& key, Value value, size_t bytes,
      typename ChargedLru<Key, Value, Hash>::Place place = ChargedLru<Key, Value, Hash>::Place::kMostRecent) {
    ShardOf(key).lru->Insert(key, std::move(value), bytes, place);
  }

  size_t size_bytes() const {
    size_t sum = 0;
    for (size_t i = 0; i < shards(); ++i) sum += shards_[i].lru->size_bytes();
    return sum;
  }
  size_t capacity_bytes() const { return capacity_; }
  size_t shards() const { return size_t{1} << shard_bits_; }
  uint64_t hits() const { return Sum(&Shard::hits); }
  uint64_t misses() const { return Sum(&Shard::misses); }

 private:
  // Own cache lines, so that two shards' mutexes do not share one; the
  // counts beside the mutex that was just taken, rather than one counter
  // every thread writes.
  struct alignas(64) Shard {
    std::optional<ChargedLru<Key, Value, Hash>> lru;
    std::atomic<uint64_t> hits{0}, misses{0};
  };

  Shard& ShardOf(const Key& key) {
    if (shard_bits_ == 0) return shards_[0];
    // The hash's top bits, mixed: the shard's own map buckets by its low bits.
    const uint64_t h = static_cast<uint64_t>(Hash()(key)) * 0x9e3779b97f4a7c15ull;
    return shards_[h >> (64 - shard_bits_)];
  }
  uint64_t Sum(std::atomic<uint64_t> Shard::*count) const {
    uint64_t sum = 0;
    for (size_t i = 0; i < shards(); ++i) sum += (shards_[i].*count).load(std::memory_order_relaxed);
    return sum;
  }

  const size_t capacity_;
  unsigned shard_bits_ = 0;
  std::unique_ptr<Shard[]> shards_;
};

}  // namespace overtone::engine

#endif  // OVERTONE_ENGINE_CHARGED_LRU_H_
