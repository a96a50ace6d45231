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

// Segments of `id` with a sample in [lo, hi], ascending, read by moving
// `cursor` (any cursor over the segments family) to the series. When
// `past_series` is not null it says whether the cursor was left at the
// first key after every key of `id` (or at the end), rather than inside it.
Status OverlappingSegments(storage::SegmentCursor* cursor, SeriesId id, int64_t lo, int64_t hi,
                           std::vector<StoredSegment>* out, bool* past_series = nullptr) {
  if (past_series != nullptr) *past_series = false;
  cursor->Seek(id, lo);
  for (; cursor->Valid() && cursor->series() == id; cursor->Next()) {
    storage::SegmentView view;
    OT_RETURN_IF_ERROR(storage::ParseSegment(cursor->bytes(), &view)
                           .WithContext("series " + std::to_string(id) + ", segment ending at ts " +
                                        std::to_string(cursor->max_ts())));
    if (view.min_ts > hi) return cursor->status();
    out->push_back(StoredSegment{view.min_ts, view.max_ts, cursor->max_ts(), std::string(cursor->bytes()),
                                 view.shared_timestamps()});
  }
  if (past_series != nullptr) *past_series = cursor->status().ok();
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

Status Compactor::EncodeSharing(std::span<const Sample> samples, storage::Batch* batch, std::string* out,
                                std::unordered_map<uint64_t, std::string>* known) {
  if (!share_timestamps_ || samples.empty()) return storage::EncodeSegment(samples, options_, out);
  std::vector<int64_t> ts(samples.size());
  for (size_t i = 0; i < samples.size(); ++i) ts[i] = samples[i].ts;
  if (!std::is_sorted(ts.begin(), ts.end()) || std::adjacent_find(ts.begin(), ts.end()) != ts.end()) {
    return storage::EncodeSegment(samples, options_, out);  // its error
  }
  std::string column;
  storage::EncodeTimestampColumn(ts, &column);
  // Inline, the segment holds the column's block as it is (the timestamps
  // are encoded once either way), unless the column has a frame index.
  uint8_t ts_codec = 0;
  std::string_view ts_block;
  OT_RETURN_IF_ERROR(storage::TimestampColumnBlock(column, &ts_codec, &ts_block));
  auto encode_inline = [&] {
    // A column with a frame index holds its timestamps in frames for reads
    // of part of it; a segment of its own holds them as it would alone.
    if (storage::HasTimestampColumnIndex(column)) return storage::EncodeSegment(samples, options_, out);
    return storage::EncodeSegmentWithTimestampBlock(samples, options_, ts_codec, ts_block, out);
  };
  if (ts_block.size() < kMinSharedTimestampBytes) return encode_inline();
  const uint64_t key = storage::TimestampColumnKey(column);
  if (known != nullptr) {
    auto it = known->find(key);
    if (it != known->end()) {
      // Another column under the same key: keep these timestamps inline.
      if (it->second != column) return encode_inline();
      return storage::EncodeSegmentWithColumn(samples, options_, key, out);
    }
  }
  Result<std::string> stored = store_->GetTimestampColumn(key);
  if (stored.ok()) {
    if (known != nullptr) known->emplace(key, *stored);
    if (*stored != column) return encode_inline();
  } else if (stored.status().code() == Status::Code::kNotFound) {
    batch->PutTimestampColumn(key, column);
    if (known != nullptr) known->emplace(key, column);
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

std::unique_ptr<Compactor::SealRound> Compactor::NewSealRound(int64_t seal_before, CompactionStats* stats,
                                                              uint64_t* range_tombstones) {
  return std::make_unique<SealRound>(this, seal_before, stats, range_tombstones);
}

Compactor::SealRound::SealRound(Compactor* compactor, int64_t seal_before, CompactionStats* stats,
                                uint64_t* range_tombstones)
    : compactor_(compactor),
      cutoff_(FloorDiv(seal_before, compactor->span_) * compactor->span_),
      nothing_due_(seal_before <= kMinTime + compactor->span_),
      stats_(stats),
      range_tombstones_(range_tombstones),
      batch_(compactor->store_) {}

Compactor::SealRound::~SealRound() = default;

Status Compactor::SealRound::Add(SeriesId id) {
  if (nothing_due_) return Status::OK();
  storage::Store* store = compactor_->store_;
  const int64_t span = compactor_->span_;
  if (!raw_cursor_) raw_cursor_ = store->NewSeriesSeekCursor();
  raw_.clear();
  raw_cursor_->Seek(id, kMinTime);
  for (; raw_cursor_->Valid() && raw_cursor_->sample().ts < cutoff_; raw_cursor_->Next()) {
    raw_.push_back(raw_cursor_->sample());
  }
  OT_RETURN_IF_ERROR(raw_cursor_->status());
  // Whether samples at or after the cutoff stay: then the series cannot
  // join a run deleted by one range tombstone.
  const bool rest_left = raw_cursor_->Valid();
  if (raw_.empty()) return Status::OK();

  // A group is a run of samples that becomes one segment: the raw samples of
  // a window plus the segments it overlaps; windows sharing a segment join.
  struct Group {
    int64_t lo, hi;             // time range covered
    size_t raw_begin, raw_end;  // raw samples, [begin, end)
    std::vector<size_t> segments;
  };
  std::vector<Group> groups;
  for (size_t i = 0; i < raw_.size();) {
    int64_t ws = FloorDiv(raw_[i].ts, span) * span;
    size_t j = i;
    while (j < raw_.size() && raw_[j].ts < ws + span) ++j;
    groups.push_back(Group{ws, ws + span - 1, i, j, {}});
    i = j;
  }
  if (!segment_cursor_) segment_cursor_ = store->NewAllSegmentsCursor();
  std::vector<StoredSegment> old;
  // The cursor left past the previous series sealed and at a later series
  // (or at the end): this one has no segment, and needs no seek. Series
  // sealed for the first time are the common case, and a seek each cost
  // 5% of sealing at 1M series.
  const bool no_segments =
      segment_cursor_past_ && id > segment_cursor_past_id_ &&
      (segment_cursor_->Valid() ? segment_cursor_->series() > id : segment_cursor_->status().ok());
  if (!no_segments) {
    OT_RETURN_IF_ERROR(OverlappingSegments(segment_cursor_.get(), id, groups.front().lo, groups.back().hi,
                                           &old, &segment_cursor_past_));
    segment_cursor_past_id_ = id;
  }
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

  std::string encoded;
  for (const Group& g : joined) {
    std::vector<Sample> sealed;
    for (size_t s : g.segments) OT_RETURN_IF_ERROR(DecodeAll(store, old[s], &sealed));
    std::vector<Sample> merged =
        MergeNewerWins(sealed, std::span<const Sample>(raw_).subspan(g.raw_begin, g.raw_end - g.raw_begin));
    OT_RETURN_IF_ERROR(compactor_->EncodeSharing(merged, &batch_, &encoded, &columns_));
    for (size_t s : g.segments) {
      DeleteSegmentAndSummary(&batch_, id, old[s].key_ts);
      if (old[s].shared_timestamps) compactor_->NoteSegmentsDropped();
    }
    PutSegmentAndSummary(&batch_, id, merged, encoded);
    stats_->segments_written++;
    stats_->bytes_written += encoded.size();
  }
  stats_->series_sealed++;
  stats_->samples_sealed += raw_.size();
  samples_ += raw_.size();

  // Exactly the samples read are deleted: no writer can have added one
  // since (the caller holds writers out).
  ts_.clear();
  for (const Sample& s : raw_) ts_.push_back(s.ts);
  if (rest_left) {
    CloseRun();
    DeleteOneSeries(id, ts_);
    return Status::OK();
  }
  if (run_series_ > 0 && id == last_id_ + 1) {
    last_id_ = id;
    last_ts_ = ts_.back();
    ++run_series_;
    run_ts_.clear();
    return Status::OK();
  }
  CloseRun();
  run_series_ = 1;
  first_id_ = last_id_ = id;
  first_ts_ = ts_.front();
  last_ts_ = ts_.back();
  run_ts_.swap(ts_);
  return Status::OK();
}

void Compactor::SealRound::DeleteOneSeries(SeriesId id, const std::vector<int64_t>& ts) {
  // Point tombstones, unlike a range tombstone, cost no later iterator
  // anything beyond their own keys, but one each costs a long series as
  // much as writing its samples did.
  if (ts.size() >= kRangeDeleteMinSamples) {
    batch_.DeleteSamples(id, ts.front(), ts.back());
    ++*range_tombstones_;
  } else {
    for (int64_t t : ts) batch_.DeleteSample(id, t);
  }
}

void Compactor::SealRound::CloseRun() {
  if (run_series_ == 1) {
    DeleteOneSeries(first_id_, run_ts_);
  } else if (run_series_ > 1) {
    batch_.DeleteSamplesAcross(first_id_, first_ts_, last_id_, last_ts_);
    ++*range_tombstones_;
  }
  run_series_ = 0;
  run_ts_.clear();
}

Status Compactor::SealRound::Finish() {
  CloseRun();
  if (batch_.Count() == 0) return Status::OK();
  return compactor_->store_->Commit(&batch_);
}

Status Compactor::DeleteRange(SeriesId id, int64_t min_ts, int64_t max_ts) {
  if (min_ts > max_ts) return Status::OK();
  std::vector<StoredSegment> old;
  OT_RETURN_IF_ERROR(
      OverlappingSegments(store_->NewSegmentCursor(id, min_ts).get(), id, min_ts, max_ts, &old));
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
