#include "engine/merged_iterator.h"

#include <algorithm>
#include <limits>

#include "storage/codec/segment.h"

namespace overtone::engine {

MergedSampleIterator::MergedSampleIterator(storage::Store* store, SeriesId id, int64_t min_ts, int64_t max_ts,
                                           std::atomic<uint64_t>* segment_samples)
    : id_(id), min_ts_(min_ts), max_ts_(max_ts), segment_samples_(segment_samples), store_(store) {
  view_ = store->NewReadView();
  raw_ = store->NewSampleCursor(id, min_ts, max_ts, view_.get());
  if (min_ts <= max_ts) segments_ = store->NewSegmentCursor(id, min_ts, view_.get());
  FillBuffer();
  Advance();
}

void MergedSampleIterator::FillBuffer() {
  buffer_.clear();
  pos_ = 0;
  while (segments_ && segments_->Valid() && buffer_.empty()) {
    storage::SegmentView seg;
    Status s = storage::ParseSegment(segments_->bytes(), &seg);
    if (s.ok() && seg.min_ts > max_ts_) {
      segments_.reset();  // past the range: later segments are later still
      return;
    }
    if (s.ok()) s = store_->DecodeStoredSegment(seg, min_ts_, max_ts_, view_.get(), &buffer_);
    if (!s.ok()) {
      status_ = s.WithContext("series " + std::to_string(id_) + ", segment ending at ts " +
                              std::to_string(segments_->max_ts()));
      segments_.reset();
      buffer_.clear();
      return;
    }
    segments_->Next();
  }
  if (segments_ && !segments_->Valid() && !segments_->status().ok()) status_ = segments_->status();
}

void MergedSampleIterator::Advance() {
  valid_ = false;
  if (!status_.ok()) return;
  bool has_seg = pos_ < buffer_.size();
  bool has_raw = raw_->Valid();
  if (!has_seg && !has_raw) {
    if (!raw_->status().ok()) status_ = raw_->status();
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
      const int64_t raw_ts = raw_->Valid() ? raw_->sample().ts : std::numeric_limits<int64_t>::max();
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
