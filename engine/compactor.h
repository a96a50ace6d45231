// Compactor: seals raw samples into segments, and rewrites segments when a
// range is deleted.
//
// Windows are [k * span, (k + 1) * span) in ms since the epoch. Sealing a
// series reads its raw samples before the cutoff, merges each window with
// the segments that overlap it (a late sample for a sealed window, or a
// segment written with another span), encodes the result and, in one
// atomic write batch per round of series (SealRound), puts the new
// segments, deletes the ones they replace and deletes the raw samples:
// after a crash at any point each sample is stored exactly once.
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
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

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

  class SealRound;

  // Starts a round that seals the raw samples whose window ended at or
  // before seal_before, of the series passed to SealRound::Add.
  std::unique_ptr<SealRound> NewSealRound(int64_t seal_before, CompactionStats* stats,
                                          uint64_t* range_tombstones);

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
  // `known`, when not null: the columns already looked up or put by this
  // round (key -> bytes), which then need no read.
  Status EncodeSharing(std::span<const Sample> samples, storage::Batch* batch, std::string* out,
                       std::unordered_map<uint64_t, std::string>* known = nullptr);

  storage::Store* store_;
  int64_t span_;
  storage::SegmentOptions options_;
  bool share_timestamps_;
  std::atomic<bool> may_orphan_columns_{true};
};

// A compaction round: seals many series with one raw samples cursor and one
// segments cursor, which seek from series to series in ascending id order,
// and writes everything into one batch that Finish() commits.
//
// Why rounds: sealing series one at a time made a RocksDB iterator (and,
// for the raw samples, re-split every range tombstone in the memtable) and
// a commit (a write-ahead log write) per series, which cost more than the
// sealing itself at 100k series and grew with the tombstones left.
//
// Deletes: a run of series with consecutive ids whose raw samples were all
// sealed (none left at or after the cutoff) loses them to one range
// tombstone from the first sealed key to the last: the cursor read every
// key in between, and writers are held out, so it covers exactly what was
// sealed. A series with raw samples left after the cutoff, or a run of one
// series, is deleted as SealSeries did: point tombstones below
// kRangeDeleteMinSamples, else one range tombstone. Each range tombstone
// counts in *range_tombstones (the caller flushes past a limit).
//
// The batch is atomic: after a crash, either every series of the round is
// sealed or none is. REQUIRES: as for the Compactor, writers held out from
// construction to Finish(); ids passed to Add ascending.
class Compactor::SealRound {
 public:
  SealRound(Compactor* compactor, int64_t seal_before, CompactionStats* stats, uint64_t* range_tombstones);
  ~SealRound();
  SealRound(const SealRound&) = delete;
  SealRound& operator=(const SealRound&) = delete;

  // Seals the due raw samples of series `id` into the round's batch.
  Status Add(SeriesId id);
  // Commits the round. Nothing is written before.
  Status Finish();
  // Raw samples sealed by this round so far.
  size_t samples() const { return samples_; }

 private:
  // Puts the tombstones of the pending run of fully sealed series.
  void CloseRun();
  // Tombstones for the sealed raw samples `ts` (ascending) of one series.
  void DeleteOneSeries(SeriesId id, const std::vector<int64_t>& ts);

  Compactor* compactor_;
  int64_t cutoff_;  // seal samples with ts < cutoff_
  bool nothing_due_;
  CompactionStats* stats_;
  uint64_t* range_tombstones_;
  storage::Batch batch_;
  std::unique_ptr<storage::SampleCursor> raw_cursor_;
  std::unique_ptr<storage::SegmentCursor> segment_cursor_;
  // Whether segment_cursor_ sits at the first key after every segment of
  // the series up to segment_cursor_past_id_: then a later series before
  // the cursor's has none.
  bool segment_cursor_past_ = false;
  SeriesId segment_cursor_past_id_ = 0;
  std::unordered_map<uint64_t, std::string> columns_;  // EncodeSharing's `known`
  std::vector<Sample> raw_;
  size_t samples_ = 0;

  // The pending run: series first_id_..last_id_, every raw sample of which
  // is sealed, from (first_id_, first_ts_) to (last_id_, last_ts_).
  // run_ts_: the first series' timestamps, while the run has one series.
  size_t run_series_ = 0;
  SeriesId first_id_ = 0, last_id_ = 0;
  int64_t first_ts_ = 0, last_ts_ = 0;
  std::vector<int64_t> run_ts_;
  std::vector<int64_t> ts_;
};

// Floor of a / b for b > 0, correct for negative a.
inline int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && (a < 0)); }

}  // namespace overtone::engine

#endif  // OVERTONE_ENGINE_COMPACTOR_H_
