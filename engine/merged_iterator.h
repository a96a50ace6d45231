// MergedSampleIterator: one series' samples from its segments and its raw
// samples, merged by timestamp, read from one snapshot so that samples
// being sealed by a concurrent compaction are seen exactly once. Where a raw
// sample and a segment sample share a timestamp, the raw one is newer and
// wins.

#ifndef OVERTONE_ENGINE_MERGED_ITERATOR_H_
#define OVERTONE_ENGINE_MERGED_ITERATOR_H_

#include <atomic>
#include <memory>
#include <vector>

#include "overtone/database.h"
#include "storage/store.h"

namespace overtone::engine {

class MergedSampleIterator final : public SampleIterator {
 public:
  // Counts the segment samples it returns in `segment_samples`.
  MergedSampleIterator(storage::Store* store, SeriesId id, int64_t min_ts, int64_t max_ts,
                       std::atomic<uint64_t>* segment_samples);

  bool Valid() const override { return valid_; }
  void Next() override { Advance(); }
  Sample sample() const override { return current_; }
  Status status() const override { return status_; }
  size_t NextBatch(size_t max, std::vector<Sample>* out) override;

 private:
  void Advance();
  // Decodes the next segment that has samples in range into buffer_.
  void FillBuffer();

  SeriesId id_;
  int64_t min_ts_, max_ts_;
  std::atomic<uint64_t>* segment_samples_;
  storage::Store* store_;                    // shared timestamp columns are read through it
  std::unique_ptr<storage::ReadView> view_;  // declared before the cursors: they use it
  std::unique_ptr<storage::SegmentCursor> segments_;
  std::unique_ptr<storage::SampleCursor> raw_;
  std::vector<Sample> buffer_;  // decoded samples of the current segment
  size_t pos_ = 0;
  bool valid_ = false;
  Sample current_;
  Status status_;
};

}  // namespace overtone::engine

#endif  // OVERTONE_ENGINE_MERGED_ITERATOR_H_
