#include "engine/worker_pool.h"

#include <pthread.h>

#include <algorithm>
#include <system_error>

namespace overtone::engine {

namespace {

std::atomic<WorkerPool*> shared_pool{nullptr};

}  // namespace

WorkerPool& WorkerPool::Shared() {
  static WorkerPool pool([] {
    const unsigned cores = std::thread::hardware_concurrency();
    return cores > 1 ? static_cast<int>(cores) - 1 : 0;
  }());
  static const bool registered = [] {
    shared_pool.store(&pool);
    // Only the forking thread goes on in the child; the pool must not
    // wait there for workers that stayed in the parent.
    return pthread_atfork(nullptr, nullptr, &WorkerPool::ChildAfterFork) == 0;
  }();
  (void)registered;
  return pool;
}

void WorkerPool::ChildAfterFork() {
  if (WorkerPool* pool = shared_pool.load()) pool->forked_.store(true);
}

WorkerPool::WorkerPool(int workers) {
  threads_.reserve(static_cast<size_t>(std::max(workers, 0)));
  for (int i = 0; i < workers; ++i) {
    try {
      threads_.emplace_back([this] { WorkerLoop(); });
    } catch (const std::system_error&) {  // no more threads: the callers do the rest
      break;
    }
  }
}

WorkerPool::~WorkerPool() {
  if (this == shared_pool.load()) shared_pool.store(nullptr);
  if (forked_.load()) {  // the threads are the parent's: there is nobody to join
    for (std::thread& t : threads_) t.detach();
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  work_posted_.notify_all();
  for (std::thread& t : threads_) t.join();
}

void WorkerPool::RunFrom(Batch* batch, size_t k, int slot) {
  for (;;) {
    if (!batch->run(batch->context, k, slot)) batch->stopped.store(true, std::memory_order_relaxed);
    if (batch->stopped.load(std::memory_order_relaxed)) return;
    k = batch->next.fetch_add(1, std::memory_order_relaxed);
    if (k >= batch->count) return;
  }
}

void WorkerPool::Withdraw(Batch* batch) {
  posted_.erase(std::find(posted_.begin(), posted_.end(), batch));
  batch->posted = false;
}

void WorkerPool::RunBatch(Batch* batch) {
  // Workers worth waking: one fewer than the slots, the jobs and the pool.
  const size_t helpers = std::min({static_cast<size_t>(std::max(batch->slots - 1, 0)),
                                   batch->count == 0 ? 0 : batch->count - 1, threads_.size()});
  bool posted = false;
  if (helpers > 0 && !forked_.load(std::memory_order_relaxed)) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!stopping_) {
        posted_.push_back(batch);
        batch->posted = posted = true;
      }
    }
    if (posted) {
      if (helpers >= threads_.size()) {
        work_posted_.notify_all();
      } else {
        for (size_t i = 0; i < helpers; ++i) work_posted_.notify_one();
      }
    }
  }
  const size_t k = batch->next.fetch_add(1, std::memory_order_relaxed);
  if (k < batch->count) RunFrom(batch, k, 0);
  if (!posted) return;
  // Workers that have not claimed a job yet must not find the batch; those
  // that have are waited for (their results are this batch's).
  std::unique_lock<std::mutex> lock(mu_);
  if (batch->posted) Withdraw(batch);
  worker_done_.wait(lock, [batch] { return batch->running == 0; });
}

void WorkerPool::WorkerLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    work_posted_.wait(lock, [this] { return stopping_ || !posted_.empty(); });
    if (stopping_) return;
    Batch* batch = posted_.front();
    // A job taken from the counter is run whatever happens after: the
    // caller counts on every job before the last one taken having run.
    const size_t k = batch->stopped.load(std::memory_order_relaxed)
                         ? batch->count
                         : batch->next.fetch_add(1, std::memory_order_relaxed);
    if (k >= batch->count) {
      Withdraw(batch);  // nothing left to help with
      continue;
    }
    const int slot = batch->slots_taken++;
    if (batch->slots_taken == batch->slots) Withdraw(batch);
    ++batch->running;
    lock.unlock();
    RunFrom(batch, k, slot);
    lock.lock();
    if (batch->posted) Withdraw(batch);  // its counter ran out or it stopped
    // The last touch of the batch: its caller may return as soon as the
    // mutex is released. The caller is woken after that, so that it does
    // not wake only to wait for the mutex.
    if (--batch->running == 0) {
      lock.unlock();
      worker_done_.notify_all();
      lock.lock();
    }
  }
}

}  // namespace overtone::engine
