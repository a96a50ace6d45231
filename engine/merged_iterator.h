// MergedSampleIterator: one series' samples from its segments and its raw
// samples, merged by timestamp, read from one snapshot so that samples
// being sealed by a concurrent compaction are seen exactly once. Where a raw
// sample and a segment sample share a timestamp, the raw one is newer and
// wins.
//
// Made for one series (Database::Scan), it reads through cursors bounded
// to that series and range. Made without one (Database::NewSeriesCursor),
// it keeps one snapshot, one segment cursor over every series and one raw
// cursor for the whole query, and Seek moves them from series to series:
// a short read (an instant vector: the last few minutes) cost less than
// making the snapshot and the two RocksDB iterators it needed per series.

#ifndef OVERTONE_ENGINE_MERGED_ITERATOR_H_
#define OVERTONE_ENGINE_MERGED_ITERATOR_H_

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "engine/decoded_frame_cache.h"
#include "overtone/database.h"
#include "storage/store.h"

namespace overtone::engine {

class MergedSampleIterator final : public SeriesCursor {
 public:
  // Series `id` in [min_ts, max_ts]. Counts the segment samples it returns
  // in `segment_samples`.
  // FLAC frames are read through `frames` when given.
  MergedSampleIterator(storage::Store* store, SeriesId id, int64_t min_ts, int64_t max_ts,
                       std::atomic<uint64_t>* segment_samples, DecodedFrameCache* frames = nullptr);
  // No series until Seek; `exists(id)` says whether Seek's series is there.
  MergedSampleIterator(storage::Store* store, std::function<bool(SeriesId)> exists,
                       std::atomic<uint64_t>* segment_samples, DecodedFrameCache* frames = nullptr);

  bool Valid() const override { return valid_; }
  void Next() override { Advance(); }
  Sample sample() const override { return current_; }
  Status status() const override { return status_; }
  size_t NextBatch(size_t max, std::vector<Sample>* out) override;
  // Only on an iterator made without a series.
  Status Seek(SeriesId id, int64_t min_ts, int64_t max_ts) override;
  // Only on an iterator made without a series: series `id`'s latest sample
  // in [min_ts, ref_ts] when it has one, then its samples in (ref_ts,
  // max_ts], as Seek(id, min_ts, max_ts) would give them. An instant-vector
  // selector's first step needs only that one sample of its lookback: of a
  // segment only that sample's value is decoded (its timestamp found in the
  // shared column), where a Seek decoded, merged and copied every sealed
  // sample of the lookback. REQUIRES: min_ts <= ref_ts <= max_ts.
  Status SeekFromLatest(SeriesId id, int64_t min_ts, int64_t ref_ts, int64_t max_ts);

 private:
  // Seek's first half: checks the series and forgets the one before.
  Status Reset(SeriesId id);
  // The latest sealed sample in [min_ts, ref_ts] into *latest, unless none
  // is later than `newer_than` (a raw sample that would win anyway); leaves
  // segments_ on the first segment ending after ref_ts.
  Status LatestSealed(int64_t min_ts, int64_t ref_ts, int64_t newer_than, std::optional<Sample>* latest);
  // The latest sample in [min_ts, ref_ts] of segment `seg` into *latest,
  // when it has one.
  Status LatestInSegment(CachedSegmentRecord& record, const storage::SegmentView& seg, int64_t min_ts,
                         int64_t ref_ts, std::optional<Sample>* latest);
  void Advance();
  // Decodes the next segment that has samples in range into buffer_.
  void FillBuffer();
  // The raw cursor is on a sample of the range (a cursor over every series
  // is bounded here, not by RocksDB).
  bool RawValid() const { return raw_live_ && raw_->Valid() && raw_->sample().ts <= max_ts_; }

  SeriesId id_ = 0;
  int64_t min_ts_ = 0, max_ts_ = -1;
  std::atomic<uint64_t>* segment_samples_;
  storage::Store* store_;                    // shared timestamp columns are read through it
  DecodedFrameCache* frames_;                // may be null
  std::function<bool(SeriesId)> exists_;     // set on an iterator made without a series
  std::unique_ptr<storage::ReadView> view_;  // declared before the cursors: they use it
  std::unique_ptr<storage::SegmentCursor> segments_;
  bool segments_done_ = true;  // no more segments of this series in range
  std::unique_ptr<storage::SampleCursor> raw_;
  bool raw_live_ = false;             // raw_ was moved to this series (not left on the one before)
  std::vector<Sample> buffer_;        // decoded samples of the current segment
  std::vector<double> latest_value_;  // LatestInSegment's one value
  size_t pos_ = 0;
  bool valid_ = false;
  Sample current_;
  Status status_;
};

}  // namespace overtone::engine

#endif  // OVERTONE_ENGINE_MERGED_ITERATOR_H_
