// SummaryCache: decoded segment summaries kept in memory, so that rule-style
// queries re-evaluated every few seconds over the same long windows skip
// decoding their quantile sketches (as PromSketch keeps its sketches in
// memory); and, in the same budget, each segment's values sorted (as order
// keys, order_statistics.h), the order statistics that answer an exact
// quantile_over_time without decoding the segment again.
//
// Entries are keyed by series, segment key and the record's stored CRC:
// a summary rewritten in place (a late sample re-sealed) has a new CRC, so
// entries never go stale and nothing needs invalidating. Least recently
// used entries go first once the byte budget is reached. Thread-safe.

#ifndef OVERTONE_ENGINE_SUMMARY_CACHE_H_
#define OVERTONE_ENGINE_SUMMARY_CACHE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "engine/charged_lru.h"
#include "overtone/memory.h"
#include "overtone/status.h"
#include "overtone/types.h"
#include "storage/codec/summary.h"

namespace overtone::engine {

class SummaryCache {
 public:
  // `memory`, when given, is charged with what the cache holds.
  explicit SummaryCache(size_t capacity_bytes, MemoryPool* memory = nullptr) : lru_(capacity_bytes, memory) {}

  // The decoded summary (with its quantile points) of `record`, from the
  // cache or decoded now. A format 2 record stores no points: they are
  // picked (QuantilePoints) from `segment_values`, the segment's values
  // without staleness markers, called only then.
  using ValuesFn = std::function<Result<std::vector<double>>()>;
  Result<std::shared_ptr<const storage::Summary>> Get(SeriesId id, int64_t key_ts, std::string_view record,
                                                      const ValuesFn& segment_values);

  using SortedKeys = std::vector<uint64_t>;
  // The order keys of a segment's values, ascending, from the cache or from
  // `make` now. `crc` is the stored CRC of the segment's summary record
  // (SummaryCrc), new whenever the segment is re-sealed.
  Result<std::shared_ptr<const SortedKeys>> GetSortedKeys(SeriesId id, int64_t key_ts, uint32_t crc,
                                                          const std::function<Result<SortedKeys>()>& make);

  static uint32_t SummaryCrc(std::string_view record) { return StoredRecordCrc(record); }

  size_t size_bytes() const { return lru_.size_bytes(); }

 private:
  struct Key {
    SeriesId id;
    int64_t key_ts;
    uint32_t crc;
    bool sorted_keys;  // the entry holds sorted keys, not a summary
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const {
      return std::hash<uint64_t>()(k.id * 0x9e3779b97f4a7c15ull ^ static_cast<uint64_t>(k.key_ts) ^
                                   (uint64_t{k.crc} << 17) ^ uint64_t{k.sorted_keys});
    }
  };
  // One of the two.
  struct Value {
    std::shared_ptr<const storage::Summary> summary;
    std::shared_ptr<const SortedKeys> keys;
  };

  ChargedLru<Key, Value, KeyHash> lru_;
};

}  // namespace overtone::engine

#endif  // OVERTONE_ENGINE_SUMMARY_CACHE_H_
