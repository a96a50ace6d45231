// TimestampColumnCache: decoded shared timestamp columns, so that the series
// of one scrape target, read together, decode their common column once.
// Columns are content-addressed (codec/timestamp_column.h): an entry never
// goes stale, whatever snapshot it was read from. Bounded by the number of
// timestamps held; the least recently used column goes first.
//
// An entry is a column decoded whole, or a column with a frame index read
// in part (FramedTimestampColumn): its bytes and the frames decoded so far,
// so that reads of the same short range (the last hour of each of a
// target's series, or the same dashboard again) decode those frames once
// and find the column without reading it from the store again. Either is
// charged the column's full count of timestamps, what a framed column holds
// at most once every frame is decoded. A whole column replaces a framed
// one of the same key.

#ifndef OVERTONE_STORAGE_TIMESTAMP_COLUMN_CACHE_H_
#define OVERTONE_STORAGE_TIMESTAMP_COLUMN_CACHE_H_

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "overtone/status.h"
#include "storage/codec/timestamp_column.h"

namespace overtone::storage {

using TimestampColumnPtr = std::shared_ptr<const std::vector<int64_t>>;

// A column's bytes with their reader, shared by the threads reading it:
// the reader decodes frames as it goes, so it is used under lock().
class FramedTimestampColumn {
 public:
  // Checks the column (TimestampColumnReader::Open) and takes its bytes.
  static Result<std::shared_ptr<FramedTimestampColumn>> Open(std::string bytes) {
    auto column = std::shared_ptr<FramedTimestampColumn>(new FramedTimestampColumn(std::move(bytes)));
    OT_RETURN_IF_ERROR(column->reader_.Open(column->bytes_));
    return column;
  }
  FramedTimestampColumn(const FramedTimestampColumn&) = delete;
  FramedTimestampColumn& operator=(const FramedTimestampColumn&) = delete;

  std::unique_lock<std::mutex> lock() { return std::unique_lock<std::mutex>(mu_); }
  // REQUIRES: lock() held while it is used.
  TimestampColumnReader& reader() { return reader_; }

 private:
  explicit FramedTimestampColumn(std::string bytes) : bytes_(std::move(bytes)) {}

  std::mutex mu_;
  const std::string bytes_;  // the reader views them
  TimestampColumnReader reader_;

  friend class TimestampColumnCache;
};

using FramedTimestampColumnPtr = std::shared_ptr<FramedTimestampColumn>;

class TimestampColumnCache {
 public:
  explicit TimestampColumnCache(size_t capacity_timestamps) : capacity_(capacity_timestamps) {}

  // The column decoded whole; null when absent or held only in part.
  TimestampColumnPtr Find(uint64_t key) {
    std::lock_guard lock(mu_);
    Entry* e = Touch(key);
    return e ? e->whole : nullptr;
  }

  // The column held in part; null when absent or held whole.
  FramedTimestampColumnPtr FindFramed(uint64_t key) {
    std::lock_guard lock(mu_);
    Entry* e = Touch(key);
    return e ? e->framed : nullptr;
  }

  // Bytes held: the timestamps and each entry's bookkeeping.
  size_t bytes() {
    std::lock_guard lock(mu_);
    return held_ * sizeof(int64_t) + map_.size() * kEntryBytes;
  }

  void Insert(uint64_t key, TimestampColumnPtr column) {
    std::lock_guard lock(mu_);
    if (auto it = map_.find(key); it != map_.end()) {
      if (it->second->whole != nullptr) return;
      Erase(it);  // held in part: the whole column replaces it
    }
    Add(Entry{key, column->size(), std::move(column), nullptr});
  }

  void InsertFramed(uint64_t key, FramedTimestampColumnPtr column) {
    std::lock_guard lock(mu_);
    if (map_.count(key) != 0) return;
    Add(Entry{key, column->reader_.size() + column->bytes_.size() / sizeof(int64_t), nullptr,
              std::move(column)});
  }

 private:
  struct Entry {
    uint64_t key;
    size_t charge;  // in timestamps
    TimestampColumnPtr whole;
    FramedTimestampColumnPtr framed;
  };
  using Map = std::unordered_map<uint64_t, std::list<Entry>::iterator>;
  // A list node, a hash node and the vector's and shared_ptr's headers.
  static constexpr size_t kEntryBytes = 160;

  Entry* Touch(uint64_t key) {
    auto it = map_.find(key);
    if (it == map_.end()) return nullptr;
    lru_.splice(lru_.begin(), lru_, it->second);
    return &*it->second;
  }
  void Erase(Map::iterator it) {
    held_ -= it->second->charge;
    lru_.erase(it->second);
    map_.erase(it);
  }
  void Add(Entry e) {
    if (e.charge > capacity_) return;
    held_ += e.charge;
    const uint64_t key = e.key;
    lru_.push_front(std::move(e));
    map_[key] = lru_.begin();
    while (held_ > capacity_) Erase(map_.find(lru_.back().key));
  }

  std::mutex mu_;
  size_t capacity_;
  size_t held_ = 0;  // timestamps charged
  std::list<Entry> lru_;
  Map map_;
};

}  // namespace overtone::storage

#endif  // OVERTONE_STORAGE_TIMESTAMP_COLUMN_CACHE_H_
