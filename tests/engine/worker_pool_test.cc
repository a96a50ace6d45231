// The worker pool behind parallel evaluation (engine/worker_pool.h): every
// job runs once, on a slot below the batch's limit that no other running
// job of the batch holds; a stopped batch has run every job below the last
// one taken; a caller does not wait for a worker busy elsewhere, and that
// worker, once free, touches nothing of the batch; several callers at once.
// Then EvaluateInParallel on top of it (engine/parallel_series.h): order of
// emit from many threads at once, a throwing job, cancellation, and in a
// child made by fork().

#include "engine/worker_pool.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "engine/parallel_series.h"
#include "overtone/cancel.h"

namespace overtone {
namespace {

using engine::WorkerPool;

// Records each run of each job, and fails the test when two jobs of the
// batch run at once on the same slot or a slot is out of range.
class BatchRecorder {
 public:
  BatchRecorder(size_t count, int slots)
      : runs_(std::make_unique<std::atomic<int>[]>(count)),
        busy_(std::make_unique<std::atomic<bool>[]>(static_cast<size_t>(slots))),
        count_(count),
        slots_(slots) {}

  void Enter(size_t k, int slot) {
    ASSERT_LT(k, count_);
    ASSERT_GE(slot, 0);
    ASSERT_LT(slot, slots_);
    runs_[k].fetch_add(1);
    EXPECT_FALSE(busy_[static_cast<size_t>(slot)].exchange(true)) << "slot " << slot << " taken twice";
    by_worker_.fetch_add(slot == 0 ? 0 : 1);
  }
  void Leave(int slot) { busy_[static_cast<size_t>(slot)].store(false); }

  int runs(size_t k) const { return runs_[k].load(); }
  int by_workers() const { return by_worker_.load(); }

 private:
  std::unique_ptr<std::atomic<int>[]> runs_;
  std::unique_ptr<std::atomic<bool>[]> busy_;
  std::atomic<int> by_worker_{0};
  size_t count_;
  int slots_;
};

// Spins (yielding) until `flag` is set, for at most 30 s.
bool AwaitFlag(const std::atomic<bool>& flag) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!flag.load()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::yield();
  }
  return true;
}

TEST(WorkerPoolTest, EveryJobRunsOnceOnAFreeSlotBelowTheLimit) {
  WorkerPool pool(3);
  EXPECT_EQ(pool.workers(), 3);
  for (size_t count : {0u, 1u, 2u, 7u, 1000u}) {
    for (int slots : {1, 2, 4, 9}) {
      BatchRecorder rec(count, slots);
      auto job = [&](size_t k, int slot) {
        rec.Enter(k, slot);
        volatile double x = 0;  // long enough for the workers to join in
        for (int i = 0; i < 2000; ++i) x = x + i;
        rec.Leave(slot);
        return true;
      };
      pool.Run(count, slots, job);
      for (size_t k = 0; k < count; ++k) ASSERT_EQ(rec.runs(k), 1) << count << " jobs, job " << k;
      if (slots == 1) {
        EXPECT_EQ(rec.by_workers(), 0);
      }
    }
  }
}

TEST(WorkerPoolTest, APoolWithoutWorkersRunsEverythingOnTheCaller) {
  WorkerPool pool(0);
  BatchRecorder rec(100, 4);
  auto job = [&](size_t k, int slot) {
    rec.Enter(k, slot);
    rec.Leave(slot);
    return true;
  };
  pool.Run(100, 4, job);
  for (size_t k = 0; k < 100; ++k) EXPECT_EQ(rec.runs(k), 1);
  EXPECT_EQ(rec.by_workers(), 0);
}

TEST(WorkerPoolTest, AStoppedBatchHasRunEveryJobBelowTheLastTaken) {
  WorkerPool pool(2);
  for (int slots : {1, 3}) {
    for (size_t stop_at : {0u, 1u, 50u, 499u}) {
      for (int round = 0; round < 20; ++round) {
        BatchRecorder rec(500, slots);
        auto job = [&](size_t k, int slot) {
          rec.Enter(k, slot);
          rec.Leave(slot);
          return k != stop_at;
        };
        pool.Run(500, slots, job);
        size_t last_run = 0;
        for (size_t k = 0; k < 500; ++k) {
          ASSERT_LE(rec.runs(k), 1);
          if (rec.runs(k) == 1) last_run = k;
        }
        ASSERT_GE(last_run, stop_at);
        for (size_t k = 0; k <= last_run; ++k) ASSERT_EQ(rec.runs(k), 1) << k;
        // On one thread nothing starts after the job that stopped. (With
        // more, jobs taken while it ran still run.)
        if (slots == 1) {
          EXPECT_EQ(last_run, stop_at);
        }
      }
    }
  }
}

TEST(WorkerPoolTest, ACallerDoesNotWaitForAWorkerBusyElsewhereWhichThenLeavesItsBatchAlone) {
  WorkerPool pool(1);
  std::atomic<bool> worker_in{false}, release{false};
  // Batch A: its caller holds job 0 until the one worker has taken job 1,
  // which holds the worker until released.
  std::thread a([&] {
    auto job = [&](size_t, int slot) {
      if (slot == 0) {
        EXPECT_TRUE(AwaitFlag(worker_in));
      } else {
        worker_in.store(true);
        EXPECT_TRUE(AwaitFlag(release));
      }
      return true;
    };
    pool.Run(2, 2, job);
  });
  ASSERT_TRUE(AwaitFlag(worker_in));
  // Batch B, posted while the worker is busy: done by its caller alone,
  // without waiting for the worker.
  BatchRecorder rec(300, 2);
  auto job_b = [&](size_t k, int slot) {
    rec.Enter(k, slot);
    rec.Leave(slot);
    return true;
  };
  pool.Run(300, 2, job_b);
  EXPECT_FALSE(release.load());
  EXPECT_EQ(rec.by_workers(), 0);
  release.store(true);
  a.join();
  // The worker, free again, helps the next batch and never ran one of B's.
  std::atomic<bool> worker_helped{false};
  auto job_c = [&](size_t, int slot) {
    if (slot == 0) {
      EXPECT_TRUE(AwaitFlag(worker_helped));
    } else {
      worker_helped.store(true);
    }
    return true;
  };
  pool.Run(2, 2, job_c);
  EXPECT_TRUE(worker_helped.load());
  for (size_t k = 0; k < 300; ++k) EXPECT_EQ(rec.runs(k), 1);
  EXPECT_EQ(rec.by_workers(), 0);
}

TEST(WorkerPoolTest, ManyCallersAtOnce) {
  WorkerPool pool(3);
  constexpr int kCallers = 8;
  std::vector<std::thread> callers;
  std::atomic<int> done{0};
  for (int c = 0; c < kCallers; ++c) {
    callers.emplace_back([&, c] {
      for (int round = 0; round < 40; ++round) {
        const size_t count = 1 + static_cast<size_t>((c * 37 + round * 11) % 300);
        const int slots = 1 + (c + round) % 4;
        BatchRecorder rec(count, slots);
        auto job = [&](size_t k, int slot) {
          rec.Enter(k, slot);
          rec.Leave(slot);
          return true;
        };
        pool.Run(count, slots, job);
        for (size_t k = 0; k < count; ++k) ASSERT_EQ(rec.runs(k), 1) << "caller " << c << " job " << k;
      }
      done.fetch_add(1);
    });
  }
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(done.load(), kCallers);
}

// Series i's result: a few values from i, so that a mix-up shows.
Status Compute(size_t i, std::vector<size_t>* out) {
  for (size_t k = 0; k < i % 7; ++k) out->push_back(i * 100 + k);
  return Status::OK();
}

TEST(ParallelSeriesPoolTest, ManyEvaluationsAtOnceEachEmitInOrder) {
  std::vector<std::thread> callers;
  for (int c = 0; c < 6; ++c) {
    callers.emplace_back([c] {
      for (int round = 0; round < 10; ++round) {
        const size_t n = static_cast<size_t>(17 + (c * 131 + round * 57) % 900);
        std::vector<std::atomic<bool>> busy(static_cast<size_t>(engine::ParallelThreads(n)));
        size_t next = 0;
        Status s = engine::EvaluateInParallel<std::vector<size_t>>(
            n, nullptr,
            [&](size_t i, std::vector<size_t>* out, int worker) {
              EXPECT_LT(worker, engine::ParallelThreads(n));
              EXPECT_FALSE(busy[static_cast<size_t>(worker)].exchange(true));
              Status r = Compute(i, out);
              busy[static_cast<size_t>(worker)].store(false);
              return r;
            },
            [&](size_t i, const std::vector<size_t>& out) {
              std::vector<size_t> want;
              EXPECT_TRUE(Compute(i, &want).ok());
              EXPECT_EQ(i, next);
              EXPECT_EQ(out, want);
              ++next;
              return Status::OK();
            });
        ASSERT_TRUE(s.ok()) << s.ToString();
        ASSERT_EQ(next, n);
      }
    });
  }
  for (std::thread& t : callers) t.join();
}

TEST(ParallelSeriesPoolTest, AThrowingJobFailsItsSeriesAndNoExceptionLeaves) {
  for (size_t throw_at : {3u, 40u, 700u}) {
    size_t emitted = 0;
    Status s = engine::EvaluateInParallel<int>(
        1000, nullptr,
        [&](size_t i, int* out) -> Status {
          if (i == throw_at) throw std::bad_alloc();
          *out = static_cast<int>(i);
          return Status::OK();
        },
        [&](size_t i, const int& out) {
          EXPECT_EQ(out, static_cast<int>(i));
          ++emitted;
          return Status::OK();
        });
    EXPECT_EQ(s.code(), Status::Code::kInternal) << s.ToString();
    EXPECT_EQ(emitted, throw_at);
  }
}

TEST(ParallelSeriesPoolTest, ACancelledTokenStopsBeforeTheNextSeriesIsEmitted) {
  CancelToken token;
  size_t emitted = 0;
  // Cancelled while the second batch is evaluated: the first batch was
  // emitted whole, nothing of the second is.
  Status s = engine::EvaluateInParallel<int>(
      1000, &token,
      [&](size_t i, int*) {
        if (i == engine::kParallelBatch + 10) token.Cancel(CancelReason::kClientGone);
        return Status::OK();
      },
      [&](size_t, const int&) {
        ++emitted;
        return Status::OK();
      });
  EXPECT_EQ(s.ToString(), token.status().ToString());
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(emitted, engine::kParallelBatch);
}

TEST(ParallelSeriesPoolTest, AForkedChildEvaluatesWithoutTheParentsWorkers) {
  auto evaluate = [] {
    size_t next = 0;
    Status s = engine::EvaluateInParallel<std::vector<size_t>>(
        600, nullptr, [](size_t i, std::vector<size_t>* out) { return Compute(i, out); },
        [&](size_t i, const std::vector<size_t>& out) {
          std::vector<size_t> want;
          if (!Compute(i, &want).ok() || out != want || i != next) return Status::Corruption("mixed up");
          ++next;
          return Status::OK();
        });
    return s.ok() && next == 600;
  };
  ASSERT_TRUE(evaluate());  // the shared pool's workers are up in this process
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) _exit(evaluate() ? 0 : 1);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_TRUE(evaluate());
}

}  // namespace
}  // namespace overtone
