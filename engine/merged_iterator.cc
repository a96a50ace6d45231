#include "engine/merged_iterator.h"

#include <algorithm>
#include <limits>
#include <string>
#include <utility>

#include "storage/codec/segment.h"

namespace overtone::engine {

MergedSampleIterator::MergedSampleIterator(storage::Store* store, SeriesId id, int64_t min_ts, int64_t max_ts,
                                           std::atomic<uint64_t>* segment_samples, DecodedFrameCache* frames)
    : id_(id),
      min_ts_(min_ts),
      max_ts_(max_ts),
      segment_samples_(segment_samples),
      store_(store),
      frames_(frames) {
  view_ = store->NewReadView();
  raw_ = store->NewSampleCursor(id, min_ts, max_ts, view_.get());
  raw_live_ = true;
  if (min_ts <= max_ts) {
    segments_ = store->NewSegmentCursor(id, min_ts, view_.get());
    segments_done_ = false;
  }
  FillBuffer();
  Advance();
}

MergedSampleIterator::MergedSampleIterator(storage::Store* store, std::function<bool(SeriesId)> exists,
                                           std::atomic<uint64_t>* segment_samples, DecodedFrameCache* frames)
    : segment_samples_(segment_samples), store_(store), frames_(frames), exists_(std::move(exists)) {
  view_ = store->NewReadView();
  raw_ = store->NewSeriesSeekCursor(view_.get());
  segments_ = store->NewAllSegmentsCursor(view_.get());
}

Status MergedSampleIterator::Reset(SeriesId id) {
  valid_ = false;
  buffer_.clear();
  pos_ = 0;
  segments_done_ = true;
  raw_live_ = false;
  if (!exists_) return Status::InvalidArgument("Seek on an iterator made for one series");
  if (!exists_(id)) return Status::NotFound("no series with id " + std::to_string(id));
  id_ = id;
  status_ = Status::OK();
  return Status::OK();
}

Status MergedSampleIterator::Seek(SeriesId id, int64_t min_ts, int64_t max_ts) {
  OT_RETURN_IF_ERROR(Reset(id));
  min_ts_ = min_ts;
  max_ts_ = max_ts;
  if (min_ts > max_ts) return Status::OK();
  raw_->Seek(id, min_ts);
  raw_live_ = true;
  segments_->Seek(id, min_ts);
  segments_done_ = false;
  FillBuffer();
  Advance();
  return status_;
}

Status MergedSampleIterator::SeekFromLatest(SeriesId id, int64_t min_ts, int64_t ref_ts, int64_t max_ts) {
  if (min_ts > ref_ts || ref_ts > max_ts)
    return Status::InvalidArgument("SeekFromLatest: bounds out of order");
  OT_RETURN_IF_ERROR(Reset(id));
  min_ts_ = min_ts;
  max_ts_ = max_ts;
  // The raw samples are walked forward to the first after ref_ts, where the
  // rest of the read starts: RocksDB's SeekForPrev in a memtable seeks
  // forward and, past the series' last key (the usual case: ref_ts is
  // now), falls back to SeekToLast, which in the sample memtable orders
  // every series (storage/sample_memtable.h). A walk over the lookback's
  // few raw samples costs less than a second seek.
  std::optional<Sample> latest;
  raw_->Seek(id, min_ts);
  raw_live_ = true;
  for (; raw_->Valid() && raw_->sample().ts <= ref_ts; raw_->Next()) latest = raw_->sample();
  if (!raw_->status().ok()) return status_ = raw_->status();
  // Then the latest sealed sample if it is later (a raw sample at the same
  // time is a late write that replaces the sealed one).
  std::optional<Sample> sealed;
  status_ = LatestSealed(min_ts, ref_ts, latest ? latest->ts : kMinTime, &sealed);
  if (!status_.ok()) return status_;
  if (sealed) {
    latest = sealed;
    segment_samples_->fetch_add(1, std::memory_order_relaxed);
  }
  // Then (ref_ts, max_ts] as Seek reads it: both cursors are there already.
  if (ref_ts < max_ts) {
    min_ts_ = ref_ts + 1;
    segments_done_ = false;
    FillBuffer();
  }
  if (latest) {
    current_ = *latest;
    valid_ = true;
  } else {
    Advance();
  }
  return status_;
}

Status MergedSampleIterator::LatestSealed(int64_t min_ts, int64_t ref_ts, int64_t newer_than,
                                          std::optional<Sample>* latest) {
  // Segments are keyed by their last timestamp and do not overlap: from the
  // first ending at or after min_ts, the latest sample at or before ref_ts
  // is in the last one beginning at or before ref_ts. The walk stops on the
  // first segment ending after ref_ts, where the read of (ref_ts, max_ts]
  // begins. (RocksDB's SeekForPrev over the segments cost more than this
  // forward seek and the segment or two it walks.)
  segments_->Seek(id_, min_ts);
  for (; segments_->Valid() && segments_->series() == id_; segments_->Next()) {
    CachedSegmentRecord record(frames_, id_, segments_->max_ts(), segments_->bytes());
    storage::SegmentView seg;
    Status s = record.Parse(&seg);
    // As in FillBuffer: the checksum is verified before anything of the
    // record is used, except where the values come from verified cached
    // frames and the timestamps from a shared column.
    if (!s.ok() || !seg.shared_timestamps() || seg.min_ts > ref_ts) {
      if (Status verified = record.Verify(); !verified.ok()) s = verified;
    }
    if (s.ok() && seg.min_ts > ref_ts) break;
    // A raw sample at the same time or later wins over this one.
    if (s.ok() && std::min(seg.max_ts, ref_ts) > newer_than) {
      s = LatestInSegment(record, seg, newer_than == kMinTime ? min_ts : std::max(min_ts, newer_than + 1),
                          ref_ts, latest);
    }
    if (!s.ok()) {
      return s.WithContext("series " + std::to_string(id_) + ", segment ending at ts " +
                           std::to_string(segments_->max_ts()));
    }
    if (seg.max_ts > ref_ts) break;
  }
  return segments_->status();
}

Status MergedSampleIterator::LatestInSegment(CachedSegmentRecord& record, const storage::SegmentView& seg,
                                             int64_t min_ts, int64_t ref_ts, std::optional<Sample>* latest) {
  if (seg.min_ts > ref_ts || seg.max_ts < min_ts || min_ts > ref_ts) return Status::OK();
  if (seg.max_ts <= ref_ts) {
    // The segment's last sample (an instant query at the present, whose
    // latest sample is sealed): its time is the header's, so neither the
    // timestamp block nor the shared column is decoded, only its value.
    latest_value_.clear();
    OT_RETURN_IF_ERROR(record.DecodeValues(seg, seg.count - 1, seg.count, &latest_value_));
    if (latest_value_.size() != 1) return Status::Corruption("segment: value count mismatch");
    *latest = Sample{seg.max_ts, latest_value_[0]};
    return Status::OK();
  }
  if (seg.shared_timestamps()) {
    // The column says which sample is the latest; only its value is
    // decoded (from its frame in the cache, or the frame decoded and kept).
    OT_ASSIGN_OR_RETURN(storage::TimestampColumnPtr column,
                        store_->TimestampColumn(seg.column_key, view_.get()));
    const std::vector<int64_t>& ts = *column;
    if (ts.size() != seg.count || ts.front() != seg.min_ts || ts.back() != seg.max_ts) {
      return Status::Corruption("segment: timestamps disagree with the header");
    }
    const auto after = std::upper_bound(ts.begin(), ts.end(), ref_ts);
    if (after == ts.begin() || *(after - 1) < min_ts) return Status::OK();
    const size_t i = static_cast<size_t>(after - ts.begin()) - 1;
    latest_value_.clear();
    OT_RETURN_IF_ERROR(record.DecodeValues(seg, i, i + 1, &latest_value_));
    if (latest_value_.size() != 1) return Status::Corruption("segment: value count mismatch");
    *latest = Sample{ts[i], latest_value_[0]};
    return Status::OK();
  }
  // buffer_ is free until the samples after ref_ts are read into it.
  buffer_.clear();
  Status s = store_->DecodeStoredSegment(seg, min_ts, ref_ts, view_.get(), &buffer_, &record.decoder());
  if (s.ok() && !buffer_.empty()) *latest = buffer_.back();
  buffer_.clear();
  return s;
}

void MergedSampleIterator::FillBuffer() {
  buffer_.clear();
  pos_ = 0;
  while (!segments_done_ && segments_->Valid() && buffer_.empty()) {
    if (segments_->series() != id_) {  // a cursor over every series: past this one's
      segments_done_ = true;
      return;
    }
    // The record's checksum is verified before anything of it is used,
    // except where every FLAC frame the range needs is in the cache (which
    // holds frames of verified records only) and the timestamps are a
    // shared column (checked on its own).
    CachedSegmentRecord record(frames_, id_, segments_->max_ts(), segments_->bytes());
    storage::SegmentView seg;
    Status s = record.Parse(&seg);
    if (!s.ok() || !seg.shared_timestamps() || seg.min_ts > max_ts_) {
      if (Status verified = record.Verify(); !verified.ok()) s = verified;
    }
    if (s.ok() && seg.min_ts > max_ts_) {
      segments_done_ = true;  // past the range: later segments are later still
      return;
    }
    if (s.ok())
      s = store_->DecodeStoredSegment(seg, min_ts_, max_ts_, view_.get(), &buffer_, &record.decoder());
    if (!s.ok()) {
      status_ = s.WithContext("series " + std::to_string(id_) + ", segment ending at ts " +
                              std::to_string(segments_->max_ts()));
      segments_done_ = true;
      buffer_.clear();
      return;
    }
    // A segment reaching max_ts_ is the range's last (later ones begin
    // after it ends): not stepping on spares a cursor over every series
    // the read of the next series' first key, often in another block.
    if (seg.max_ts >= max_ts_) {
      segments_done_ = true;
      return;
    }
    segments_->Next();
  }
  if (!segments_done_ && !segments_->Valid() && !segments_->status().ok()) status_ = segments_->status();
}

void MergedSampleIterator::Advance() {
  valid_ = false;
  if (!status_.ok()) return;
  bool has_seg = pos_ < buffer_.size();
  bool has_raw = RawValid();
  if (!has_seg && !has_raw) {
    if (raw_live_ && !raw_->status().ok()) status_ = raw_->status();
    return;
  }
  if (has_seg && (!has_raw || buffer_[pos_].ts <= raw_->sample().ts)) {
    if (has_raw && buffer_[pos_].ts == raw_->sample().ts) {
      current_ = raw_->sample();  // a late write replaces the sealed sample
      raw_->Next();
    } else {
      current_ = buffer_[pos_];
      segment_samples_->fetch_add(1, std::memory_order_relaxed);
    }
    if (++pos_ == buffer_.size()) FillBuffer();
  } else {
    current_ = raw_->sample();
    raw_->Next();
  }
  valid_ = true;  // an error found while refilling ends the iteration at the next step
}

size_t MergedSampleIterator::NextBatch(size_t max, std::vector<Sample>* out) {
  size_t n = 0;
  while (n < max && valid_) {
    out->push_back(current_);
    ++n;
    // The segment samples before the next raw one come out of the buffer
    // as they are: one copy and one count for the run, not a step each.
    if (pos_ < buffer_.size() && n < max) {
      const int64_t raw_ts = RawValid() ? raw_->sample().ts : std::numeric_limits<int64_t>::max();
      size_t end = std::min(buffer_.size(), pos_ + (max - n));
      if (buffer_[end - 1].ts >= raw_ts) {
        end = std::lower_bound(buffer_.begin() + static_cast<ptrdiff_t>(pos_),
                               buffer_.begin() + static_cast<ptrdiff_t>(end), raw_ts,
                               [](const Sample& s, int64_t ts) { return s.ts < ts; }) -
              buffer_.begin();
      }
      if (end > pos_) {
        out->insert(out->end(), buffer_.begin() + static_cast<ptrdiff_t>(pos_),
                    buffer_.begin() + static_cast<ptrdiff_t>(end));
        segment_samples_->fetch_add(end - pos_, std::memory_order_relaxed);
        n += end - pos_;
        pos_ = end;
        if (pos_ == buffer_.size()) FillBuffer();
      }
    }
    Advance();
  }
  return n;
}

}  // namespace overtone::engine
