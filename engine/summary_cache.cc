#include "engine/summary_cache.h"

#include "engine/window_accumulator.h"

namespace overtone::engine {

Result<std::shared_ptr<const storage::Summary>> SummaryCache::Get(SeriesId id, int64_t key_ts,
                                                                  std::string_view record,
                                                                  const ValuesFn& segment_values) {
  if (record.size() < 4) return Status::Corruption("summary: too short");
  Key key{id, key_ts, SummaryCrc(record), false};
  if (Value found; lru_.Find(key, &found)) return found.summary;
  auto summary = std::make_shared<storage::Summary>();
  OT_RETURN_IF_ERROR(storage::DecodeSummary(record, summary.get(), /*with_points=*/true));
  if (summary->count > 0 && summary->quantile_points.empty()) {
    OT_ASSIGN_OR_RETURN(std::vector<double> values, segment_values());
    if (values.size() != summary->count)
      return Status::Corruption("summary: count differs from its segment's");
    summary->quantile_points = QuantilePoints(std::move(values));
  }
  size_t bytes = sizeof(storage::Summary) + summary->quantile_points.size() * sizeof(double) + 64;
  lru_.Insert(key, Value{summary, nullptr}, bytes);
  return std::shared_ptr<const storage::Summary>(std::move(summary));
}

Result<std::shared_ptr<const SummaryCache::SortedKeys>> SummaryCache::GetSortedKeys(
    SeriesId id, int64_t key_ts, uint32_t crc, const std::function<Result<SortedKeys>()>& make) {
  Key key{id, key_ts, crc, true};
  if (Value found; lru_.Find(key, &found)) return found.keys;
  OT_ASSIGN_OR_RETURN(SortedKeys made, make());
  auto keys = std::make_shared<const SortedKeys>(std::move(made));
  size_t bytes = sizeof(SortedKeys) + keys->size() * sizeof(uint64_t) + 64;
  lru_.Insert(key, Value{nullptr, keys}, bytes);
  return keys;
}

}  // namespace overtone::engine
