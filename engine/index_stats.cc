// DatabaseImpl::GetIndexStats: the cardinality figures of Prometheus's
// /api/v1/status/tsdb, from the postings (one pass over them) and each
// series' first and last sample (a few seeks a series).
//
// The figures follow Prometheus's tsdb/index Postings.Stats: for a label
// name, the number of its values; its "memory" is the sum over its values
// of the value's length times the series holding it.

#include <algorithm>
#include <map>

#include "engine/database_impl.h"

namespace overtone {
namespace {

// The `top` largest counts, ties by name.
std::vector<NameCount> Top(std::vector<NameCount> all, size_t top) {
  auto larger = [](const NameCount& a, const NameCount& b) {
    return a.count != b.count ? a.count > b.count : a.name < b.name;
  };
  if (all.size() > top) {
    std::partial_sort(all.begin(), all.begin() + static_cast<ptrdiff_t>(top), all.end(), larger);
    all.resize(top);
  } else {
    std::sort(all.begin(), all.end(), larger);
  }
  return all;
}

}  // namespace

Result<IndexStats> DatabaseImpl::GetIndexStats(size_t top) {
  IndexStats stats;
  struct NameFigures {
    uint64_t values = 0;
    uint64_t bytes = 0;
  };
  std::map<std::string, NameFigures, std::less<>> names;
  std::vector<NameCount> metrics, pairs;
  // Postings come in key order: all series of one (name, value) together.
  std::string name, value;
  uint64_t run = 0;
  auto end_run = [&] {
    if (run == 0) return;
    NameFigures& f = names[name];
    ++f.values;
    f.bytes += value.size() * run;
    ++stats.num_label_pairs;
    if (name == kMetricNameLabel) metrics.push_back(NameCount{value, run});
    pairs.push_back(NameCount{name + "=" + value, run});
    run = 0;
  };
  OT_RETURN_IF_ERROR(store_->ForEachPostingEntry([&](std::string_view n, std::string_view v, SeriesId) {
    if (run > 0 && (n != name || v != value)) end_run();
    if (run == 0) {
      name.assign(n);
      value.assign(v);
    }
    ++run;
  }));
  end_run();

  std::vector<NameCount> value_counts, bytes;
  for (const auto& [n, f] : names) {
    value_counts.push_back(NameCount{n, f.values});
    bytes.push_back(NameCount{n, f.bytes});
  }
  stats.series_count_by_metric_name = Top(std::move(metrics), top);
  stats.label_value_count_by_label_name = Top(std::move(value_counts), top);
  stats.memory_in_bytes_by_label_name = Top(std::move(bytes), top);
  stats.series_count_by_label_value_pair = Top(std::move(pairs), top);

  OT_ASSIGN_OR_RETURN(std::vector<SeriesId> ids, index_.Select({}));
  stats.num_series = ids.size();
  stats.chunk_count = store_->EstimateSegmentCount();
  bool any_sample = false;
  for (SeriesId id : ids) {
    int64_t lo = 0, hi = 0;
    bool any = false;
    OT_RETURN_IF_ERROR(store_->SeriesTimeBounds(id, &lo, &hi, &any));
    if (!any) continue;
    stats.min_time = any_sample ? std::min(stats.min_time, lo) : lo;
    stats.max_time = any_sample ? std::max(stats.max_time, hi) : hi;
    any_sample = true;
  }
  return stats;
}

}  // namespace overtone
