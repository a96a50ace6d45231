#include "adapters/formats/exporter.h"

#include <algorithm>
#include <unordered_set>

namespace overtone::adapters {

Status Export(Database* db, const ExportOptions& options, SampleWriter* writer, ExportStats* stats) {
  *stats = ExportStats{};
  if (options.selectors.empty()) return Status::InvalidArgument("no series selector given");

  std::vector<SeriesInfo> series;
  std::unordered_set<SeriesId> seen;
  for (const auto& matchers : options.selectors) {
    OT_ASSIGN_OR_RETURN(std::vector<SeriesInfo> found, db->Select(matchers));
    for (SeriesInfo& s : found) {
      if (seen.insert(s.id).second) series.push_back(std::move(s));
    }
  }
  // Metric name first: OpenMetrics wants each family's series together.
  std::sort(series.begin(), series.end(), [](const SeriesInfo& a, const SeriesInfo& b) {
    std::string_view an = GetLabel(a.labels, kMetricNameLabel);
    std::string_view bn = GetLabel(b.labels, kMetricNameLabel);
    if (an != bn) return an < bn;
    return a.labels < b.labels;
  });

  std::vector<Sample> buf;
  constexpr size_t kBufSamples = 4096;
  buf.reserve(kBufSamples);
  for (const SeriesInfo& s : series) {
    OT_ASSIGN_OR_RETURN(std::unique_ptr<SampleIterator> it, db->Scan(s.id, options.start_ms, options.end_ms));
    bool begun = false;
    for (;;) {
      buf.clear();
      for (; it->Valid() && buf.size() < kBufSamples; it->Next()) buf.push_back(it->sample());
      OT_RETURN_IF_ERROR(it->status());
      if (buf.empty()) break;
      if (!begun) {
        writer->BeginSeries(s.labels);
        begun = true;
        ++stats->series;
      }
      writer->WriteSamples(buf);
      stats->samples += buf.size();
    }
  }
  return writer->Finish();
}

}  // namespace overtone::adapters
