#include "engine/summary_cache.h"

#include "engine/window_accumulator.h"

namespace overtone::engine {

uint32_t SummaryCache::SummaryCrc(std::string_view record) {
  uint32_t crc = 0;
  for (int i = 0; i < 4 && record.size() >= 4; ++i)
    crc |= static_cast<uint32_t>(static_cast<uint8_t>(record[record.size() - 4 + i])) << (8 * i);
  return crc;
}

SummaryCache::~SummaryCache() {
  if (memory_ != nullptr) memory_->Release(used_);
}

Result<std::shared_ptr<const storage::Summary>> SummaryCache::Get(SeriesId id, int64_t key_ts,
                                                                  std::string_view record,
                                                                  const ValuesFn& segment_values) {
  if (record.size() < 4) return Status::Corruption("summary: too short");
  Key key{id, key_ts, SummaryCrc(record), false};
  {
    std::lock_guard lock(mu_);
    auto it = index_.find(key);
    if (it != index_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second);
      return it->second->summary;
    }
  }
  auto summary = std::make_shared<storage::Summary>();
  OT_RETURN_IF_ERROR(storage::DecodeSummary(record, summary.get(), /*with_points=*/true));
  if (summary->count > 0 && summary->quantile_points.empty()) {
    OT_ASSIGN_OR_RETURN(std::vector<double> values, segment_values());
    if (values.size() != summary->count)
      return Status::Corruption("summary: count differs from its segment's");
    summary->quantile_points = QuantilePoints(std::move(values));
  }
  size_t bytes = sizeof(storage::Summary) + summary->quantile_points.size() * sizeof(double) + 64;
  std::lock_guard lock(mu_);
  Insert(Entry{key, summary, nullptr, bytes});
  return std::shared_ptr<const storage::Summary>(std::move(summary));
}

Result<std::shared_ptr<const SummaryCache::SortedKeys>> SummaryCache::GetSortedKeys(
    SeriesId id, int64_t key_ts, uint32_t crc, const std::function<Result<SortedKeys>()>& make) {
  Key key{id, key_ts, crc, true};
  {
    std::lock_guard lock(mu_);
    auto it = index_.find(key);
    if (it != index_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second);
      return it->second->keys;
    }
  }
  OT_ASSIGN_OR_RETURN(SortedKeys made, make());
  auto keys = std::make_shared<const SortedKeys>(std::move(made));
  size_t bytes = sizeof(SortedKeys) + keys->size() * sizeof(uint64_t) + 64;
  std::lock_guard lock(mu_);
  Insert(Entry{key, nullptr, keys, bytes});
  return keys;
}

void SummaryCache::Insert(Entry entry) {
  if (index_.count(entry.key) != 0 || entry.bytes > capacity_) return;
  used_ += entry.bytes;
  if (memory_ != nullptr) memory_->Charge(entry.bytes);
  lru_.push_front(std::move(entry));
  index_[lru_.front().key] = lru_.begin();
  while (used_ > capacity_) {
    used_ -= lru_.back().bytes;
    if (memory_ != nullptr) memory_->Release(lru_.back().bytes);
    index_.erase(lru_.back().key);
    lru_.pop_back();
  }
}

size_t SummaryCache::size_bytes() const {
  std::lock_guard lock(mu_);
  return used_;
}

}  // namespace overtone::engine
