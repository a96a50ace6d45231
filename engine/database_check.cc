// DatabaseImpl::Check: `overtone check`'s verification of a whole database.

#include <map>
#include <set>

#include "engine/database_impl.h"
#include "storage/codec/segment.h"
#include "storage/codec/summary.h"
#include "storage/codec/timestamp_column.h"

namespace overtone {
namespace {

std::string SeriesName(const std::map<SeriesId, Labels>& catalog, SeriesId id) {
  auto it = catalog.find(id);
  return "series " + std::to_string(id) + (it == catalog.end() ? "" : " " + LabelsToString(it->second));
}

}  // namespace

Result<CheckReport> DatabaseImpl::Check() {
  CheckReport report;
  auto problem = [&report](std::string what) {
    if (report.problems.size() < 1000) report.problems.push_back(std::move(what));
  };
  if (Status s = store_->VerifyChecksums(); !s.ok()) problem(s.ToString());

  // Catalog and postings must describe each other.
  std::map<SeriesId, Labels> catalog;
  OT_RETURN_IF_ERROR(store_->ForEachSeries([&](SeriesId id, const Labels& labels) {
    catalog.emplace(id, labels);
    if (Status s = ValidateLabels(labels); !s.ok())
      problem("series " + std::to_string(id) + ": " + s.message());
    return Status::OK();
  }));
  report.series = catalog.size();
  std::set<std::pair<SeriesId, std::string>> seen;  // (series, label name) with a posting
  Status s = store_->ForEachPostingEntry([&](std::string_view name, std::string_view value, SeriesId id) {
    ++report.postings;
    auto it = catalog.find(id);
    if (it == catalog.end()) {
      problem("posting " + std::string(name) + "=\"" + std::string(value) + "\" names series " +
              std::to_string(id) + ", which is not in the catalog");
    } else if (GetLabel(it->second, name) != value) {
      problem("posting " + std::string(name) + "=\"" + std::string(value) + "\" does not match " +
              SeriesName(catalog, id));
    }
    seen.emplace(id, std::string(name));
  });
  if (!s.ok()) problem(s.ToString());
  for (const auto& [id, labels] : catalog) {
    for (const Label& l : labels) {
      if (!seen.count({id, l.name})) problem(SeriesName(catalog, id) + " has no posting for label " + l.name);
    }
  }

  // Segments: decodable, summarized, ordered, not overlapping.
  auto view = store_->NewReadView();
  auto segments = store_->NewAllSegmentsCursor(view.get());
  SeriesId last_series = 0;
  int64_t last_max = kMinTime;
  std::set<uint64_t> referenced_columns;
  for (; segments->Valid(); segments->Next()) {
    ++report.segments;
    SeriesId id = segments->series();
    std::string where =
        SeriesName(catalog, id) + ", segment ending at ts " + std::to_string(segments->max_ts());
    if (!catalog.count(id)) problem(where + ": the series is not in the catalog");
    storage::SegmentView seg;
    std::vector<Sample> samples;
    Status st = storage::ParseSegment(segments->bytes(), &seg);
    if (st.ok() && seg.shared_timestamps()) referenced_columns.insert(seg.column_key);
    if (st.ok()) st = store_->DecodeStoredSegment(seg, kMinTime, kMaxTime, view.get(), &samples);
    if (!st.ok()) {
      problem(where + ": " + st.message());
      continue;
    }
    where = SeriesName(catalog, id) + ", segment [" + std::to_string(seg.min_ts) + ", " +
            std::to_string(seg.max_ts) + "]";
    report.segment_samples += samples.size();
    if (seg.max_ts != segments->max_ts()) problem(where + ": its key names another last timestamp");
    if (id == last_series && seg.min_ts <= last_max) problem(where + ": overlaps the segment before it");
    last_series = id;
    last_max = seg.max_ts;
    auto summary = store_->NewSummaryCursor(id, segments->max_ts(), view.get());
    if (!summary->Valid() || summary->max_ts() != segments->max_ts()) {
      problem(where + ": has no summary");
      continue;
    }
    storage::Summary sum;
    if (Status ss = storage::DecodeSummary(summary->bytes(), &sum); !ss.ok()) {
      problem(where + ": summary: " + ss.message());
    } else {
      uint64_t live = 0;
      for (const Sample& x : samples) live += !IsStaleNaN(x.value);
      if (sum.count != live)
        problem(where + ": summary counts " + std::to_string(sum.count) + " samples, the segment holds " +
                std::to_string(live));
    }
  }
  if (!segments->status().ok()) problem(segments->status().ToString());

  // Shared timestamp columns: each whole; one no segment refers to is no
  // problem (a crash between a sealing and the sweep after it leaves
  // some, and the next sweep deletes them), a missing one is reported
  // above by the segment that refers to it.
  s = store_->ForEachTimestampColumn(view.get(), [&](uint64_t key, std::string_view bytes) {
    ++report.timestamp_columns;
    report.timestamp_column_bytes += bytes.size();
    if (!referenced_columns.count(key)) ++report.unreferenced_timestamp_columns;
    std::vector<int64_t> ts;
    Status cs = storage::DecodeTimestampColumn(bytes, &ts);
    if (cs.ok() && storage::TimestampColumnKey(bytes) != key)
      cs = Status::Corruption("does not match its key");
    if (!cs.ok()) problem("shared timestamp column " + std::to_string(key) + ": " + cs.message());
    return Status::OK();
  });
  if (!s.ok()) problem(s.ToString());

  s = store_->ForEachRawSample([&](SeriesId id, const Sample&) {
    ++report.raw_samples;
    if (!catalog.count(id) && report.problems.size() < 1000) {
      problem("raw samples of series " + std::to_string(id) + ", which is not in the catalog");
      catalog.emplace(id, Labels{});  // report each such series once
    }
  });
  if (!s.ok()) problem(s.ToString());
  return report;
}

}  // namespace overtone
