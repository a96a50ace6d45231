#include "sql/series_filter.h"

#include "engine/matcher_set.h"

namespace overtone::sql {

Result<std::vector<SeriesInfo>> ResolveSeries(Database* db, const SeriesFilter& filter) {
  std::vector<SeriesInfo> out;
  if (filter.empty) return out;
  std::vector<LabelMatcher> matchers;
  if (filter.selector) {
    auto parsed = ParseSelector(*filter.selector);
    if (!parsed.ok()) return parsed.status();
    matchers = std::move(*parsed);
  }
  if (filter.metric) {
    matchers.push_back(LabelMatcher{MatchType::kEqual, std::string(kMetricNameLabel), *filter.metric});
  }
  if (filter.id) {
    auto info = db->GetSeries(*filter.id);
    if (!info.ok()) {
      if (info.status().IsNotFound()) return out;
      return info.status();
    }
    // The other constraints still apply to the one series.
    auto compiled = engine::CompileAll(matchers);
    if (!compiled.ok()) return compiled.status();
    if (engine::MatchesAll(*compiled, info->labels)) out.push_back(std::move(*info));
    return out;
  }
  return db->Select(matchers);
}

}  // namespace overtone::sql
