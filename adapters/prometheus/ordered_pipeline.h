// OrderedPipeline: runs jobs 0..n-1 on a few threads and hands their
// results back in job order, at most `window` of them done ahead of the
// reader — so a remote read answers its series in sorted order while
// several cores decode and encode the next ones, and memory stays bounded.
//
//   OrderedPipeline<Frame> p(series.size(), /*threads=*/2, /*window=*/8,
//                            [&](size_t i) { return EncodeSeries(series[i]); });
//   while (std::optional<Frame> f = p.Take()) Send(*f);
//
// `job` runs on the pipeline's threads, several at once: it must be safe to
// call concurrently and must not throw. Destroying the pipeline stops it
// (jobs already running finish first), whether or not every result was taken.

#ifndef OVERTONE_ADAPTERS_PROMETHEUS_ORDERED_PIPELINE_H_
#define OVERTONE_ADAPTERS_PROMETHEUS_ORDERED_PIPELINE_H_

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

namespace overtone::adapters {

template <typename R>
class OrderedPipeline {
 public:
  // REQUIRES: threads >= 1, window >= 1.
  OrderedPipeline(size_t jobs, int threads, size_t window, std::function<R(size_t)> job)
      : jobs_(jobs), window_(window), job_(std::move(job)), slots_(window) {
    for (int t = 0; t < threads; ++t) threads_.emplace_back([this] { Work(); });
  }
  ~OrderedPipeline() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    room_.notify_all();
    for (std::thread& t : threads_) t.join();
  }
  OrderedPipeline(const OrderedPipeline&) = delete;
  OrderedPipeline& operator=(const OrderedPipeline&) = delete;

  // The next job's result, waiting for it; nullopt after the last.
  std::optional<R> Take() {
    std::unique_lock<std::mutex> lock(mu_);
    if (taken_ == jobs_) return std::nullopt;
    Slot& slot = slots_[taken_ % window_];
    ready_.wait(lock, [&] { return slot.value.has_value(); });
    std::optional<R> out = std::move(slot.value);
    slot.value.reset();
    ++taken_;
    lock.unlock();
    room_.notify_all();
    return out;
  }

 private:
  struct Slot {
    std::optional<R> value;
  };

  void Work() {
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      // A job may start once its slot's previous result has been taken.
      room_.wait(lock, [&] { return stop_ || claimed_ == jobs_ || claimed_ < taken_ + window_; });
      if (stop_ || claimed_ == jobs_) return;
      size_t i = claimed_++;
      lock.unlock();
      R result = job_(i);
      lock.lock();
      slots_[i % window_].value = std::move(result);
      ready_.notify_all();
    }
  }

  const size_t jobs_, window_;
  const std::function<R(size_t)> job_;
  std::mutex mu_;
  std::condition_variable ready_;  // a result arrived
  std::condition_variable room_;   // a result was taken, or stop
  std::vector<Slot> slots_;        // job i's result waits in slots_[i % window_]
  size_t claimed_ = 0, taken_ = 0;
  bool stop_ = false;
  std::vector<std::thread> threads_;  // last: started once the rest is ready
};

}  // namespace overtone::adapters

#endif  // OVERTONE_ADAPTERS_PROMETHEUS_ORDERED_PIPELINE_H_
