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

Status MergedSampleIterator::Seek(SeriesId id, int64_t min_ts, int64_t max_ts) {
  valid_ = false;
  buffer_.clear();
  pos_ = 0;
  segments_done_ = true;
  raw_live_ = false;
  if (!exists_) return Status::InvalidArgument("Seek on an iterator made for one series");
  if (!exists_(id)) return Status::NotFound("no series with id " + std::to_string(id));
  id_ = id;
  min_ts_ = min_ts;
  max_ts_ = max_ts;
  status_ = Status::OK();
  if (min_ts > max_ts) return Status::OK();
  raw_->Seek(id, min_ts);
  raw_live_ = true;
  segments_->Seek(id, min_ts);
  segments_done_ = false;
  FillBuffer();
  Advance();
  return status_;
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
