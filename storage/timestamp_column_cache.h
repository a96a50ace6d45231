// TimestampColumnCache: decoded shared timestamp columns, so that the series
// of one scrape target, read together, decode their common column once.
// Columns are content-addressed (codec/timestamp_column.h): an entry never
// goes stale, whatever snapshot it was read from. Bounded by the number of
// timestamps held; the least recently used column goes first.

#ifndef OVERTONE_STORAGE_TIMESTAMP_COLUMN_CACHE_H_
#define OVERTONE_STORAGE_TIMESTAMP_COLUMN_CACHE_H_

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

namespace overtone::storage {

using TimestampColumnPtr = std::shared_ptr<const std::vector<int64_t>>;

class TimestampColumnCache {
 public:
  explicit TimestampColumnCache(size_t capacity_timestamps) : capacity_(capacity_timestamps) {}

  TimestampColumnPtr Find(uint64_t key) {
    std::lock_guard lock(mu_);
    auto it = map_.find(key);
    if (it == map_.end()) return nullptr;
    lru_.splice(lru_.begin(), lru_, it->second);
    return it->second->second;
  }

  // Bytes held: the timestamps and each entry's bookkeeping.
  size_t bytes() {
    std::lock_guard lock(mu_);
    return held_ * sizeof(int64_t) + map_.size() * kEntryBytes;
  }

  void Insert(uint64_t key, TimestampColumnPtr column) {
    std::lock_guard lock(mu_);
    if (map_.count(key) != 0 || column->size() > capacity_) return;
    held_ += column->size();
    lru_.emplace_front(key, std::move(column));
    map_[key] = lru_.begin();
    while (held_ > capacity_) {
      held_ -= lru_.back().second->size();
      map_.erase(lru_.back().first);
      lru_.pop_back();
    }
  }

 private:
  using Entry = std::pair<uint64_t, TimestampColumnPtr>;
  // A list node, a hash node and the vector's and shared_ptr's headers.
  static constexpr size_t kEntryBytes = 160;
  std::mutex mu_;
  size_t capacity_;
  size_t held_ = 0;  // timestamps in the cache
  std::list<Entry> lru_;
  std::unordered_map<uint64_t, std::list<Entry>::iterator> map_;
};

}  // namespace overtone::storage

#endif  // OVERTONE_STORAGE_TIMESTAMP_COLUMN_CACHE_H_
