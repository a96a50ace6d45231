#include "sql/vector_histogram.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/go_float.h"
#include "engine/classic_histogram.h"
#include "sql/labelset_json.h"

namespace overtone::sql {

Result<VectorOperand> HistogramQuantileVector(double q, const VectorOperand& in) {
  constexpr uint32_t kNoBucket = UINT32_MAX;
  // Per input series: its histogram (an output series) and its bound.
  std::vector<uint32_t> histogram_of(in.series.size(), kNoBucket);
  std::vector<double> bound_of(in.series.size(), 0);
  std::unordered_map<std::string, uint32_t> index;
  VectorOperand out;
  for (size_t i = 0; i < in.series.size(); ++i) {
    OT_ASSIGN_OR_RETURN(LabelPairs labels, ParseLabelsetJson(in.series[i].labelset));
    std::optional<double> bound = ParseGoFloat(GetLabelValue(labels, "le"));
    if (!bound) continue;
    SetLabel(&labels, "le", "");
    auto [it, inserted] = index.emplace(LabelsetJson(labels), static_cast<uint32_t>(out.series.size()));
    if (inserted) out.series.push_back(VectorOperand::Series{it->first, true});
    histogram_of[i] = it->second;
    bound_of[i] = *bound;
  }
  // Each bucket at each step, grouped by histogram and step; within a
  // group the buckets keep their input order.
  struct Entry {
    uint32_t histogram;
    int64_t ts;
    HistogramBucket bucket;
  };
  std::vector<Entry> entries;
  entries.reserve(in.points.size());
  for (const VectorOperand::Point& p : in.points) {
    if (p.series >= in.series.size())
      return Status::InvalidArgument("histogram_quantile: a point of no series");
    uint32_t h = histogram_of[p.series];
    if (h != kNoBucket) entries.push_back(Entry{h, p.ts, HistogramBucket{bound_of[p.series], p.value}});
  }
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.histogram != b.histogram ? a.histogram < b.histogram : a.ts < b.ts;
  });
  std::vector<HistogramBucket> buckets;
  for (size_t i = 0; i < entries.size();) {
    size_t j = i;
    buckets.clear();
    for (;
         j < entries.size() && entries[j].histogram == entries[i].histogram && entries[j].ts == entries[i].ts;
         ++j) {
      buckets.push_back(entries[j].bucket);
    }
    out.points.push_back(
        VectorOperand::Point{entries[i].histogram, entries[i].ts, BucketQuantile(q, buckets)});
    i = j;
  }
  return out;
}

}  // namespace overtone::sql
