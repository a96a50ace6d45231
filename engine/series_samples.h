// Reading the samples of the series a query evaluates one by one (range
// functions, instant vectors, *_over_time by scan) into a buffer that the
// evaluating thread keeps for its next series.
//
//   SeriesSamples samples;   // this thread's buffer, emptied
//   OT_RETURN_IF_ERROR(samples.Read(db, id, lo, hi, /*keep_stale=*/false, cancel));
//   Evaluate(samples.span());
//
// Why: a day of one series at 15 s is 92 KiB of samples. Read into a new
// vector per series, every series grew it again (13 reallocations, each a
// copy) and the allocator handed each query fresh pages; the thread's
// buffer is grown once and read into in batches (SampleIterator::
// NextBatch), not a virtual call per sample. A buffer grown past
// kKeptSampleBytes (a long window of a dense series) is let go after its
// series, so an idle thread holds at most that much.

#ifndef OVERTONE_ENGINE_SERIES_SAMPLES_H_
#define OVERTONE_ENGINE_SERIES_SAMPLES_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "engine/parallel_series.h"
#include "overtone/cancel.h"
#include "overtone/database.h"
#include "overtone/status.h"

namespace overtone::engine {

inline constexpr size_t kKeptSampleBytes = size_t{4} << 20;

class SeriesSamples {
 public:
  // Takes the thread's buffer, or a buffer of its own when the thread's is
  // taken (an evaluation inside another's).
  SeriesSamples();
  ~SeriesSamples();
  SeriesSamples(const SeriesSamples&) = delete;
  SeriesSamples& operator=(const SeriesSamples&) = delete;

  // Replaces the buffer's samples with series `id`'s in [min_ts, max_ts],
  // staleness markers kept only when `keep_stale`; checks `cancel` every
  // kSamplesPerCancelCheck samples. A series deleted meanwhile (NotFound)
  // reads as no samples.
  Status Read(Database* db, SeriesId id, int64_t min_ts, int64_t max_ts, bool keep_stale,
              const CancelToken* cancel);
  // The same through `cursor` (Database::NewSeriesCursor), which the
  // caller keeps for its next series.
  Status Read(SeriesCursor* cursor, SeriesId id, int64_t min_ts, int64_t max_ts, bool keep_stale,
              const CancelToken* cancel);

  // Series `id`'s latest sample in [min_ts, ref_ts], when it has one, then
  // its samples in (ref_ts, max_ts], staleness markers kept: what an
  // instant-vector selector needs of its lookback before its first step
  // (the latest sample being a marker hides the series). Through a cursor
  // that cannot seek backwards, every sample in [min_ts, max_ts] (the same
  // latest sample, and the ones before it).
  Status ReadFromLatest(SeriesCursor* cursor, SeriesId id, int64_t min_ts, int64_t ref_ts, int64_t max_ts,
                        const CancelToken* cancel);

  std::span<const Sample> span() const { return *samples_; }
  std::vector<Sample>& vector() { return *samples_; }

 private:
  // Reads what `it` holds from where it stands into the buffer.
  Status ReadFrom(SampleIterator* it, bool keep_stale, const CancelToken* cancel);

  std::vector<Sample> own_;
  std::vector<Sample>* samples_;
  bool borrowed_ = false;
};

// One SeriesCursor for each thread of a parallel evaluation (worker
// numbers of engine/parallel_series.h), made when the thread first reads.
// Each thread touches only its own slot.
class SeriesCursors {
 public:
  SeriesCursors(Database* db, size_t series)
      : db_(db), cursors_(static_cast<size_t>(ParallelThreads(series))) {}

  Result<SeriesCursor*> For(int worker) {
    std::unique_ptr<SeriesCursor>& c = cursors_[static_cast<size_t>(worker)];
    if (!c) {
      OT_ASSIGN_OR_RETURN(c, db_->NewSeriesCursor());
    }
    return c.get();
  }

 private:
  Database* db_;
  std::vector<std::unique_ptr<SeriesCursor>> cursors_;
};

}  // namespace overtone::engine

#endif  // OVERTONE_ENGINE_SERIES_SAMPLES_H_
