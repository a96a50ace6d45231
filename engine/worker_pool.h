// WorkerPool: threads that stay up between queries and help whoever posts
// a batch of jobs, so that a parallel evaluation (engine/parallel_series.h)
// costs no thread creation, and a caller that does all of its batch itself
// does not wait for a thread to be scheduled and to exit.
//
//   engine::WorkerPool& pool = engine::WorkerPool::Shared();
//   auto run_one = [&](size_t k, int slot) { return Compute(k, &outs[k], slot).ok(); };
//   pool.Run(outs.size(), /*slots=*/2, run_one);   // returns when every job that started is done
//
// HOW IT WORKS
// Run posts the batch (a job counter, a slot counter, the function) on the
// pool's list and takes jobs from the counter itself, as slot 0. A worker
// that wakes takes the first batch on the list and, under the pool's mutex,
// claims its next job and a slot number (1, 2, ... below `slots`); a batch
// whose jobs or slots are all taken leaves the list. With a job in hand the
// worker goes on taking jobs of that batch, lock-free, until the counter
// runs out, then counts itself out under the mutex. When the caller's
// counter runs out it takes the batch off the list and waits only for the
// workers that claimed a job of it: one that wakes after that finds the
// batch gone (or its counter exhausted) and touches nothing of it. Each
// batch has counters of its own, so several callers may run batches at
// once; the workers serve the oldest batch first.
//
// Why the caller waits for its batch's workers before it emits, rather
// than posting one batch for a whole evaluation and running ahead of a
// job a descheduled worker holds within a window of results: that was
// measured (dashboard_bench's instant queries, 1,000 hosts x 6 h, 2 cores,
// against this pool in alternating runs) and lost at load 8-10, where the
// caller no longer waited for workers at all and still spent about 80% of
// an evaluation runnable without a core, and used 3-9% more CPU; it won
// only with six busy loops added. The time lost under load is the wait
// for a core, not for a worker.
//
// A job that returns false stops the batch: no job is taken from its
// counter after that (those running finish). Every job below the last one
// taken has run, so the first failure by index is among those that ran.
// Jobs must not throw (the caller catches).
//
// Why one pool for the process rather than one per Database: the workers
// stand for the machine's cores, not for a database; a process that opens
// several databases would otherwise run several times as many threads as
// cores. Shared() starts its workers on first use (a process that never
// evaluates in parallel starts none) and joins them at exit; a query must
// not run after main returns. In a child made by fork() the workers do not
// exist: there the shared pool runs every job on the caller.

#ifndef OVERTONE_ENGINE_WORKER_POOL_H_
#define OVERTONE_ENGINE_WORKER_POOL_H_

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace overtone::engine {

class WorkerPool {
 public:
  // The process's pool: hardware_concurrency - 1 workers (the caller is
  // the last core's thread).
  static WorkerPool& Shared();

  // A pool of `workers` threads (0: every job runs on the caller).
  explicit WorkerPool(int workers);
  // Stops the workers and joins them. REQUIRES: no Run in progress.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  int workers() const { return static_cast<int>(threads_.size()); }

  // Calls run_one(k, slot) for each k in [0, count) until one returns
  // false, on this thread and on up to slots - 1 workers; `slot` is below
  // `slots` and differs between jobs that run at the same time (0: this
  // thread), so a job may keep per-thread state in slot number `slot`.
  // Returns when no job of the batch is running any more.
  template <typename RunOne>
  void Run(size_t count, int slots, RunOne& run_one) {
    Batch batch(
        count, slots, [](void* f, size_t k, int slot) { return (*static_cast<RunOne*>(f))(k, slot); },
        &run_one);
    RunBatch(&batch);
  }

 private:
  struct Batch {
    Batch(size_t n, int s, bool (*r)(void*, size_t, int), void* c) : count(n), slots(s), run(r), context(c) {}
    const size_t count;
    const int slots;
    bool (*const run)(void* context, size_t k, int slot);
    void* const context;
    std::atomic<size_t> next{0};  // the next job to take
    std::atomic<bool> stopped{false};
    // Guarded by mu_:
    int slots_taken = 1;  // slot 0 is the caller's
    int running = 0;      // workers holding a job of this batch
    bool posted = false;  // on posted_
  };

  void RunBatch(Batch* batch);
  // Runs job k and then the batch's next ones while there are any.
  static void RunFrom(Batch* batch, size_t k, int slot);
  void WorkerLoop();
  void Withdraw(Batch* batch);  // REQUIRES: mu_ held, batch->posted
  static void ChildAfterFork();

  std::mutex mu_;
  std::condition_variable work_posted_;  // for workers
  std::condition_variable worker_done_;  // for callers waiting on their batch's workers
  std::deque<Batch*> posted_;            // oldest first
  bool stopping_ = false;
  // Set in a child made by fork(): its workers are the parent's.
  std::atomic<bool> forked_{false};
  std::vector<std::thread> threads_;
};

}  // namespace overtone::engine

#endif  // OVERTONE_ENGINE_WORKER_POOL_H_
