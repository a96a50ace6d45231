#include "engine/compactor.h"

#include <algorithm>
#include <string>
#include <unordered_set>
#include <vector>

#include "engine/window_accumulator.h"
#include "storage/codec/summary.h"
#include "storage/codec/timestamp_column.h"

namespace overtone::engine {
namespace {

struct StoredSegment {
  int64_t min_ts, max_ts;  // sample range
  int64_t key_ts;          // the key's last timestamp (== max_ts)
  std::string bytes;
  bool shared_timestamps;
};

// Segments of `id` with a sample in [lo, hi], ascending.
Status OverlappingSegments(storage::Store* store, SeriesId id, int64_t lo, int64_t hi,
                           std::vector<StoredSegment>* out) {
  auto cursor = store->NewSegmentCursor(id, lo);
  for (; cursor->Valid(); cursor->Next()) {
    storage::SegmentView view;
    OT_RETURN_IF_ERROR(storage::ParseSegment(cursor->bytes(), &view)
                           .WithContext("series " + std::to_string(id) + ", segment ending at ts " +
                                        std::to_string(cursor->max_ts())));
    if (view.min_ts > hi) break;
    out->push_back(StoredSegment{view.min_ts, view.max_ts, cursor->max_ts(), std::string(cursor->bytes()),
                                 view.shared_timestamps()});
  }
  return cursor->status();
}

// Reads the latest state: the caller holds the seal lock, so nothing it
// reads can change meanwhile.
Status DecodeAll(storage::Store* store, const StoredSegment& seg, std::vector<Sample>* out) {
  storage::SegmentView view;
  OT_RETURN_IF_ERROR(storage::ParseSegment(seg.bytes, &view));
  return store->DecodeStoredSegment(view, kMinTime, kMaxTime, nullptr, out);
}

// Merges two ascending runs; on equal timestamps `newer` wins.
std::vector<Sample> MergeNewerWins(const std::vector<Sample>& older, std::span<const Sample> newer) {
  std::vector<Sample> out;
  out.reserve(older.size() + newer.size());
  size_t i = 0, j = 0;
  while (i < older.size() || j < newer.size()) {
    if (j == newer.size() || (i < older.size() && older[i].ts < newer[j].ts)) {
      out.push_back(older[i++]);
    } else {
      if (i < older.size() && older[i].ts == newer[j].ts) ++i;
      out.push_back(newer[j++]);
    }
  }
  return out;
}

// Puts a segment and its summary (same key) into `batch`.
void PutSegmentAndSummary(storage::Batch* batch, SeriesId id, const std::vector<Sample>& samples,
                          const std::string& segment) {
  batch->PutSegment(id, samples.back().ts, segment);
  std::string summary;
  storage::EncodeSummary(BuildSummary(samples), &summary);
  batch->PutSummary(id, samples.back().ts, summary);
}

void DeleteSegmentAndSummary(storage::Batch* batch, SeriesId id, int64_t key_ts) {
  batch->DeleteSegment(id, key_ts);
  batch->DeleteSummary(id, key_ts);
}

}  // namespace

Status Compactor::EncodeSharing(std::span<const Sample> samples, storage::Batch* batch, std::string* out) {
  if (!share_timestamps_ || samples.empty()) return storage::EncodeSegment(samples, options_, out);
  std::vector<int64_t> ts(samples.size());
  for (size_t i = 0; i < samples.size(); ++i) ts[i] = samples[i].ts;
  if (!std::is_sorted(ts.begin(), ts.end()) || std::adjacent_find(ts.begin(), ts.end()) != ts.end()) {
    return storage::EncodeSegment(samples, options_, out);  // its error
  }
  std::string column;
  storage::EncodeTimestampColumn(ts, &column);
  if (storage::TimestampColumnBlockBytes(column) < kMinSharedTimestampBytes) {
    return storage::EncodeSegment(samples, options_, out);
  }
  const uint64_t key = storage::TimestampColumnKey(column);
  Result<std::string> stored = store_->GetTimestampColumn(key);
  if (stored.ok()) {
    // Another column under the same key: keep these timestamps inline.
    if (*stored != column) return storage::EncodeSegment(samples, options_, out);
  } else if (stored.status().code() == Status::Code::kNotFound) {
    batch->PutTimestampColumn(key, column);
  } else {
    return stored.status();
  }
  return storage::EncodeSegmentWithColumn(samples, options_, key, out);
}

Status Compactor::SweepTimestampColumns(uint64_t* columns_deleted) {
  if (!may_orphan_columns_.load(std::memory_order_relaxed)) return Status::OK();
  auto view = store_->NewReadView();
  std::unordered_set<uint64_t> used;
  auto cursor = store_->NewAllSegmentsCursor(view.get());
  for (; cursor->Valid(); cursor->Next()) {
    storage::SegmentView seg;
    OT_RETURN_IF_ERROR(storage::ParseSegment(cursor->bytes(), &seg)
                           .WithContext("series " + std::to_string(cursor->series()) +
                                        ", segment ending at ts " + std::to_string(cursor->max_ts())));
    if (seg.shared_timestamps()) used.insert(seg.column_key);
  }
  OT_RETURN_IF_ERROR(cursor->status());
  storage::Batch batch(store_);
  uint64_t deleted = 0;
  OT_RETURN_IF_ERROR(store_->ForEachTimestampColumn(view.get(), [&](uint64_t key, std::string_view) {
    if (used.count(key) == 0) {
      batch.DeleteTimestampColumn(key);
      ++deleted;
    }
    return Status::OK();
  }));
  if (deleted > 0) OT_RETURN_IF_ERROR(store_->Commit(&batch));
  may_orphan_columns_.store(false, std::memory_order_relaxed);
  if (columns_deleted != nullptr) *columns_deleted += deleted;
  return Status::OK();
}

Status Compactor::SealSeries(SeriesId id, int64_t seal_before, CompactionStats* stats,
                             uint64_t* range_tombstones) {
  if (seal_before <= kMinTime + span_) return Status::OK();
  int64_t cutoff = FloorDiv(seal_before, span_) * span_;  // seal samples with ts < cutoff

  std::vector<Sample> raw;
  auto cursor = store_->NewSampleCursor(id, kMinTime, cutoff - 1);
  for (; cursor->Valid(); cursor->Next()) raw.push_back(cursor->sample());
  OT_RETURN_IF_ERROR(cursor->status());
  if (raw.empty()) return Status::OK();

  // A group is a run of samples that becomes one segment: the raw samples of
  // a window plus the segments it overlaps; windows sharing a segment join.
  struct Group {
    int64_t lo, hi;             // time range covered
    size_t raw_begin, raw_end;  // raw samples, [begin, end)
    std::vector<size_t> segments;
  };
  std::vector<Group> groups;
  for (size_t i = 0; i < raw.size();) {
    int64_t ws = FloorDiv(raw[i].ts, span_) * span_;
    size_t j = i;
    while (j < raw.size() && raw[j].ts < ws + span_) ++j;
    groups.push_back(Group{ws, ws + span_ - 1, i, j, {}});
    i = j;
  }
  std::vector<StoredSegment> old;
  OT_RETURN_IF_ERROR(OverlappingSegments(store_, id, groups.front().lo, groups.back().hi, &old));
  for (size_t s = 0, g = 0; s < old.size(); ++s) {
    while (g < groups.size() && groups[g].hi < old[s].min_ts) ++g;
    for (size_t k = g; k < groups.size() && groups[k].lo <= old[s].max_ts; ++k)
      groups[k].segments.push_back(s);
  }
  // Join groups that share a segment (possible when the span has changed).
  std::vector<Group> joined;
  for (Group& g : groups) {
    if (!joined.empty() && !g.segments.empty() && !joined.back().segments.empty() &&
        joined.back().segments.back() == g.segments.front()) {
      Group& last = joined.back();
      last.hi = g.hi;
      last.raw_end = g.raw_end;
      for (size_t s : g.segments) {
        if (s != last.segments.back()) last.segments.push_back(s);
      }
    } else {
      joined.push_back(std::move(g));
    }
  }

  storage::Batch batch(store_);
  std::string encoded;
  for (const Group& g : joined) {
    std::vector<Sample> sealed;
    for (size_t s : g.segments) OT_RETURN_IF_ERROR(DecodeAll(store_, old[s], &sealed));
    std::vector<Sample> merged =
        MergeNewerWins(sealed, std::span<const Sample>(raw).subspan(g.raw_begin, g.raw_end - g.raw_begin));
    OT_RETURN_IF_ERROR(EncodeSharing(merged, &batch, &encoded));
    for (size_t s : g.segments) {
      DeleteSegmentAndSummary(&batch, id, old[s].key_ts);
      if (old[s].shared_timestamps) NoteSegmentsDropped();
    }
    PutSegmentAndSummary(&batch, id, merged, encoded);
    stats->segments_written++;
    stats->bytes_written += encoded.size();
  }
  // Exactly the samples read: no writer can have added one since (the
  // caller holds writers out), so [first, last] holds no other raw sample.
  // Point tombstones, unlike a range tombstone, cost no later iterator
  // anything beyond their own keys, but one each costs a long series as
  // much as writing its samples did.
  if (raw.size() >= kRangeDeleteMinSamples) {
    batch.DeleteSamples(id, raw.front().ts, raw.back().ts);
    ++*range_tombstones;
  } else {
    for (const Sample& s : raw) batch.DeleteSample(id, s.ts);
  }
  OT_RETURN_IF_ERROR(store_->Commit(&batch));
  stats->series_sealed++;
  stats->samples_sealed += raw.size();
  return Status::OK();
}

Status Compactor::DeleteRange(SeriesId id, int64_t min_ts, int64_t max_ts) {
  if (min_ts > max_ts) return Status::OK();
  std::vector<StoredSegment> old;
  OT_RETURN_IF_ERROR(OverlappingSegments(store_, id, min_ts, max_ts, &old));
  storage::Batch batch(store_);
  std::string encoded;
  for (const StoredSegment& seg : old) {
    std::vector<Sample> samples;
    OT_RETURN_IF_ERROR(DecodeAll(store_, seg, &samples));
    std::erase_if(samples, [&](const Sample& s) { return s.ts >= min_ts && s.ts <= max_ts; });
    DeleteSegmentAndSummary(&batch, id, seg.key_ts);
    if (seg.shared_timestamps) NoteSegmentsDropped();
    if (samples.empty()) continue;
    OT_RETURN_IF_ERROR(EncodeSharing(samples, &batch, &encoded));
    PutSegmentAndSummary(&batch, id, samples, encoded);
  }
  batch.DeleteSamples(id, min_ts, max_ts);
  return store_->Commit(&batch);
}

}  // namespace overtone::engine
