// Evaluating a query's series on every core while handing the results on
// in series order, as one thread would.
//
//   std::vector<SeriesInfo> series = ...;
//   OT_RETURN_IF_ERROR(EvaluateInParallel<std::vector<Point>>(
//       series.size(), cancel,
//       [&](size_t i, std::vector<Point>* out) { return Compute(series[i], out); },   // any thread
//       [&](size_t i, std::vector<Point>& out) { return Emit(series[i], out); }));   // caller's thread, in
//       order
//
// HOW IT WORKS
// Series go in batches of kParallelBatch: the batch's jobs run on up to
// hardware_concurrency threads, the caller's and the process's worker
// pool's (engine/worker_pool.h: no thread is started per query, and the
// caller waits only for the series a worker took), each taking the next
// index from the batch's counter; then the caller emits the batch's
// results in index order and drops them. So at most one batch of results
// is held, and emit sees exactly what a sequential loop would have given
// it; the first failing job (by index) stops the evaluation with its
// Status, and a cancelled token stops it before the next series is
// emitted. Few series run on the caller's thread alone: waking a worker
// costs more than it saves there.
//
// `job` runs several at once: it must only touch its own output and
// what is safe to share (a Database's reads, a CancelToken). A job that
// takes a third argument gets the number of the thread running it, below
// ParallelThreads(n): state a thread keeps from series to series (a
// SeriesCursor) goes in a slot of that number.

#ifndef OVERTONE_ENGINE_PARALLEL_SERIES_H_
#define OVERTONE_ENGINE_PARALLEL_SERIES_H_

#include <algorithm>
#include <cstddef>
#include <thread>
#include <type_traits>
#include <vector>

#include "engine/worker_pool.h"
#include "overtone/cancel.h"
#include "overtone/status.h"

namespace overtone::engine {

inline constexpr size_t kParallelBatch = 256;
// Below this many series, one thread.
inline constexpr size_t kParallelMinSeries = 16;

inline int ParallelThreads(size_t series) {
  if (series < kParallelMinSeries) return 1;
  unsigned cores = std::thread::hardware_concurrency();
  return static_cast<int>(std::clamp<size_t>(cores == 0 ? 1 : cores, 1, series / (kParallelMinSeries / 2)));
}

template <typename Out, typename Job, typename Emit>
Status EvaluateInParallel(size_t n, const CancelToken* cancel, Job job, Emit emit) {
  const int threads = ParallelThreads(n);
  WorkerPool& pool = WorkerPool::Shared();
  std::vector<Out> outs;
  std::vector<Status> statuses;
  for (size_t begin = 0; begin < n; begin += kParallelBatch) {
    const size_t count = std::min(kParallelBatch, n - begin);
    outs.assign(count, Out{});
    statuses.assign(count, Status::OK());
    auto run_one = [&](size_t k, int worker) {
      try {
        if constexpr (std::is_invocable_v<Job&, size_t, Out*, int>) {
          statuses[k] = job(begin + k, &outs[k], worker);
        } else {
          statuses[k] = job(begin + k, &outs[k]);
        }
      } catch (...) {  // bad_alloc: no exception may leave a thread
        statuses[k] = Status::Internal("out of memory evaluating a series");
      }
      return statuses[k].ok();  // a failure stops the batch: no later series matters
    };
    if (threads == 1) {
      for (size_t k = 0; k < count && run_one(k, 0);) ++k;
    } else {
      pool.Run(count, threads, run_one);
    }
    for (size_t k = 0; k < count; ++k) {
      OT_RETURN_IF_ERROR(CheckCancel(cancel));  // as a sequential loop checks before each series
      OT_RETURN_IF_ERROR(statuses[k]);
      OT_RETURN_IF_ERROR(emit(begin + k, outs[k]));
    }
  }
  return Status::OK();
}

}  // namespace overtone::engine

#endif  // OVERTONE_ENGINE_PARALLEL_SERIES_H_
