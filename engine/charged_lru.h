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

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <list>
#include <mutex>
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

}  // namespace overtone::engine

#endif  // OVERTONE_ENGINE_CHARGED_LRU_H_
