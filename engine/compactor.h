// Compactor: seals raw samples into segments, and rewrites segments when a
// range is deleted.
//
// Windows are [k * span, (k + 1) * span) in ms since the epoch. Sealing a
// series reads its raw samples before the cutoff, merges each window with
// the segments that overlap it (a late sample for a sealed window, or a
// segment written with another span), encodes the result and, in one
// atomic write batch, puts the new segments, deletes the ones they replace
// and deletes the raw samples: after a crash at any point each sample is
// stored exactly once.
//
// Shared timestamp columns (storage/codec/timestamp_column.h): a segment
// whose timestamp block is big enough to be worth a reference stores its
// timestamps as a column under the column's content key, in the same batch
// as the segment, unless that column is stored already; series scraped
// together so keep one copy. A column is never deleted with a segment:
// SweepTimestampColumns deletes, in one batch, the columns no segment
// refers to. A crash therefore never leaves a segment without its column;
// it may leave an unreferenced column, which the next sweep removes.
//
// REQUIRES: the caller keeps writers of the series out while a method runs
// (DatabaseImpl holds its seal lock exclusively), so no raw sample can
// arrive between the read and the delete.

#ifndef OVERTONE_ENGINE_COMPACTOR_H_
#define OVERTONE_ENGINE_COMPACTOR_H_

#include <atomic>
#include <cstdint>
#include <span>
#include <string>

#include "overtone/database.h"
#include "storage/codec/segment.h"
#include "storage/store.h"

namespace overtone::engine {

class Compactor {
 public:
  // Timestamp blocks smaller than this stay inline: a reference costs 8
  // bytes in the segment and a column its own key and checksum.
  static constexpr size_t kMinSharedTimestampBytes = 24;

  Compactor(storage::Store* store, int64_t span_ms, const storage::SegmentOptions& options,
            bool share_timestamps = true)
      : store_(store), span_(span_ms), options_(options), share_timestamps_(share_timestamps) {}

  // Seals the raw samples of `id` whose window ended at or before seal_before.
  // Deletes the sealed raw samples one point tombstone each when there are
  // fewer than kRangeDeleteMinSamples, else with one range tombstone and
  // counts it in *range_tombstones: the caller then flushes the raw samples
  // family before the tombstones pile up in the memtable, where every new
  // iterator would split them again.
  Status SealSeries(SeriesId id, int64_t seal_before, CompactionStats* stats, uint64_t* range_tombstones);

  // Measured with bench/seal_bench: 100 series x 3,000 samples sealed 3.4x
  // faster per CPU second with range tombstones; below this, point
  // tombstones cost little and no iterator anything.
  static constexpr size_t kRangeDeleteMinSamples = 256;

  // Removes samples with min_ts <= ts <= max_ts, raw and sealed.
  Status DeleteRange(SeriesId id, int64_t min_ts, int64_t max_ts);

  // Segments were dropped outside the compactor (a series deleted): some
  // shared column may have lost its last reference.
  void NoteSegmentsDropped() { may_orphan_columns_.store(true, std::memory_order_relaxed); }

  // Deletes the shared timestamp columns no segment refers to, when a
  // segment may have been dropped since the last sweep (and once after
  // opening: a crash may have left some). Reads every segment's header.
  // REQUIRES: no sealing or deletion runs meanwhile (the seal lock).
  Status SweepTimestampColumns(uint64_t* columns_deleted);

 private:
  // Encodes `samples` into *out, with their timestamps in a shared column
  // when that pays; the column goes into `batch` when it is not stored yet.
  Status EncodeSharing(std::span<const Sample> samples, storage::Batch* batch, std::string* out);

  storage::Store* store_;
  int64_t span_;
  storage::SegmentOptions options_;
  bool share_timestamps_;
  std::atomic<bool> may_orphan_columns_{true};
};

// Floor of a / b for b > 0, correct for negative a.
inline int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && (a < 0)); }

}  // namespace overtone::engine

#endif  // OVERTONE_ENGINE_COMPACTOR_H_
