// Where a database's bytes go: segments (their timestamp blocks, value
// blocks and headers), summaries, shared timestamp columns, and what the
// rest of the directory holds (RocksDB keys, index and filter blocks, the
// series catalog and postings, WAL and MANIFEST). Printed by fleet_bench
// after sealing, so a change to the format shows what it moved.

#ifndef OVERTONE_BENCH_STORAGE_BREAKDOWN_H_
#define OVERTONE_BENCH_STORAGE_BREAKDOWN_H_

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <system_error>

#include "overtone/database.h"

namespace overtone::bench {

struct StorageBreakdown {
  uint64_t segments = 0, segment_bytes = 0, timestamp_bytes = 0, shared_refs = 0, summary_bytes = 0;
  uint64_t sst_bytes = 0, wal_bytes = 0, other_file_bytes = 0;
  struct Metric {
    uint64_t samples = 0, value_bytes = 0;   // value blocks and headers
    std::map<std::string, uint64_t> codecs;  // segments by value codec
  };
  // By __name__, with the `le` label for a histogram's buckets: the
  // buckets of one histogram differ in what they cost (a low bound that
  // rarely moves against the +Inf bucket that counts every request).
  std::map<std::string, Metric> metrics;
};

// The breakdown's row for a series: its name, and its bucket bound if any.
inline std::string BreakdownKey(const Labels& labels) {
  std::string key(GetLabel(labels, "__name__"));
  if (std::string_view le = GetLabel(labels, "le"); !le.empty()) key += "{le=\"" + std::string(le) + "\"}";
  return key;
}

inline Status MeasureStorage(Database* db, const std::filesystem::path& dir, StorageBreakdown* out) {
  std::map<SeriesId, std::string> names;
  OT_ASSIGN_OR_RETURN(std::vector<SeriesInfo> all, db->Select({}));
  for (const SeriesInfo& s : all) names[s.id] = BreakdownKey(s.labels);
  OT_RETURN_IF_ERROR(db->ForEachSegment(0, [&](const SegmentInfo& s) {
    StorageBreakdown::Metric& m = out->metrics[names[s.series]];
    m.samples += s.samples;
    m.value_bytes += s.bytes - s.timestamp_bytes;
    m.codecs[s.codec]++;
    out->segments++;
    out->segment_bytes += s.bytes;
    out->timestamp_bytes += s.timestamp_bytes;
    out->shared_refs += s.shared_timestamps ? 1 : 0;
    out->summary_bytes += s.summary_bytes;
    return Status::OK();
  }));
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::end(it); it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    uint64_t size = it->file_size(ec);
    std::string ext = it->path().extension().string();
    if (ext == ".sst") {
      out->sst_bytes += size;
    } else if (ext == ".log") {
      out->wal_bytes += size;
    } else {
      out->other_file_bytes += size;
    }
  }
  return Status::OK();
}

inline void PrintStorageBreakdown(const StorageBreakdown& b, uint64_t samples, uint64_t shared_column_bytes) {
  const double n = static_cast<double>(samples);
  const uint64_t total = b.sst_bytes + b.wal_bytes + b.other_file_bytes;
  const uint64_t values_and_headers = b.segment_bytes - b.timestamp_bytes;
  const uint64_t rest =
      b.sst_bytes - std::min(b.sst_bytes, b.segment_bytes + b.summary_bytes + shared_column_bytes);
  auto line = [&](const char* what, uint64_t bytes) {
    std::printf("  %-44s %12llu B  %6.3f B/sample  %5.1f%%\n", what, static_cast<unsigned long long>(bytes),
                static_cast<double>(bytes) / n, total ? 100.0 * static_cast<double>(bytes) / total : 0.0);
  };
  std::printf("\nwhere overtone's bytes go (%llu segments, %llu with a shared timestamp column):\n",
              static_cast<unsigned long long>(b.segments), static_cast<unsigned long long>(b.shared_refs));
  line("segments: timestamp blocks", b.timestamp_bytes);
  line("segments: values, headers, checksums", values_and_headers);
  line("shared timestamp columns", shared_column_bytes);
  line("summaries", b.summary_bytes);
  line("SST rest: keys, index/filter blocks, catalog", rest);
  line("WAL", b.wal_bytes);
  line("MANIFEST, OPTIONS, LOG, ...", b.other_file_bytes);
  line("total", total);
  std::printf("values and headers by series kind (B/sample of that kind; share of all value bytes):\n");
  for (const auto& [name, m] : b.metrics) {
    std::string codecs;
    for (const auto& [codec, count] : m.codecs) codecs += " " + codec + ":" + std::to_string(count);
    std::printf("  %-52s %6.3f B/sample %5.1f%% %s\n", name.c_str(),
                m.samples ? static_cast<double>(m.value_bytes) / static_cast<double>(m.samples) : 0.0,
                values_and_headers ? 100.0 * static_cast<double>(m.value_bytes) / values_and_headers : 0.0,
                codecs.c_str());
  }
}

}  // namespace overtone::bench

#endif  // OVERTONE_BENCH_STORAGE_BREAKDOWN_H_
