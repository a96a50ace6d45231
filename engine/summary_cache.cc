#include "engine/summary_cache.h"

namespace overtone::engine {

SummaryCache::~SummaryCache() {
  if (memory_ != nullptr) memory_->Release(used_);
}

Result<std::shared_ptr<const storage::Summary>> SummaryCache::Get(SeriesId id, int64_t key_ts,
                                                                  std::string_view record) {
  if (record.size() < 4) return Status::Corruption("summary: too short");
  uint32_t crc = 0;
  for (int i = 0; i < 4; ++i)
    crc |= static_cast<uint32_t>(static_cast<uint8_t>(record[record.size() - 4 + i])) << (8 * i);
  Key key{id, key_ts, crc};
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
  size_t bytes = sizeof(storage::Summary) + summary->quantile_points.size() * sizeof(double) + 64;
  std::lock_guard lock(mu_);
  if (index_.count(key) == 0 && bytes <= capacity_) {
    lru_.push_front(Entry{key, summary, bytes});
    index_[key] = lru_.begin();
    used_ += bytes;
    if (memory_ != nullptr) memory_->Charge(bytes);
    while (used_ > capacity_) {
      used_ -= lru_.back().bytes;
      if (memory_ != nullptr) memory_->Release(lru_.back().bytes);
      index_.erase(lru_.back().key);
      lru_.pop_back();
    }
  }
  return std::shared_ptr<const storage::Summary>(std::move(summary));
}

size_t SummaryCache::size_bytes() const {
  std::lock_guard lock(mu_);
  return used_;
}

}  // namespace overtone::engine
