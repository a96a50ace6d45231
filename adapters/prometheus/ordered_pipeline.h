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
//
// With a byte budget (`bytes_of` gives a result's size), no job starts
// while the results done and not yet taken hold that many bytes or more,
// whatever room the window has: a window of many small results (a remote
// read's series of a few kilobytes) with memory bounded as for a few large
// ones.
//
// Hand-offs cost a wake-up each when a thread sleeps, so they are few: a
// worker that finds no room sleeps until half the window (and half the
// budget) is free again, and the reader is woken only by the result it
// waits for.

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
  OrderedPipeline(size_t jobs, int threads, size_t window, std::function<R(size_t)> job,
                  size_t budget_bytes = 0, std::function<size_t(const R&)> bytes_of = nullptr)
      : jobs_(jobs),
        window_(window),
        budget_(bytes_of ? budget_bytes : 0),
        job_(std::move(job)),
        bytes_of_(std::move(bytes_of)),
        slots_(window) {
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
    if (!slot.value.has_value()) {
      reader_waiting_ = true;
      ready_.wait(lock, [&] { return slot.value.has_value(); });
      reader_waiting_ = false;
    }
    std::optional<R> out = std::move(slot.value);
    slot.value.reset();
    ready_bytes_ -= slot.bytes;
    ++taken_;
    const bool wake = sleeping_ > 0 && Refilled();
    lock.unlock();
    if (wake) room_.notify_all();
    return out;
  }

 private:
  struct Slot {
    std::optional<R> value;
    size_t bytes = 0;
  };

  // Whether a job may start: its slot's previous result has been taken, and
  // the results waiting are under the budget.
  bool Room() const { return claimed_ < taken_ + window_ && (budget_ == 0 || ready_bytes_ < budget_); }
  // Whether a sleeping worker may go on: half the window and half the budget free.
  bool Refilled() const {
    return claimed_ - taken_ <= window_ / 2 && (budget_ == 0 || ready_bytes_ <= budget_ / 2);
  }

  void Work() {
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      if (!stop_ && claimed_ < jobs_ && !Room()) {
        ++sleeping_;
        room_.wait(lock, [&] { return stop_ || claimed_ == jobs_ || Refilled(); });
        --sleeping_;
        continue;  // another worker may have taken the room
      }
      if (stop_ || claimed_ == jobs_) return;
      size_t i = claimed_++;
      lock.unlock();
      R result = job_(i);
      const size_t bytes = bytes_of_ ? bytes_of_(result) : 0;
      lock.lock();
      Slot& slot = slots_[i % window_];
      slot.value = std::move(result);
      slot.bytes = bytes;
      ready_bytes_ += bytes;
      if (reader_waiting_ && i == taken_) ready_.notify_one();
    }
  }

  const size_t jobs_, window_, budget_;
  const std::function<R(size_t)> job_;
  const std::function<size_t(const R&)> bytes_of_;
  std::mutex mu_;
  std::condition_variable ready_;  // the result the reader waits for arrived
  std::condition_variable room_;   // room for sleeping workers, or stop
  std::vector<Slot> slots_;        // job i's result waits in slots_[i % window_]
  size_t claimed_ = 0, taken_ = 0;
  size_t ready_bytes_ = 0;  // of the results done and not taken
  int sleeping_ = 0;        // workers waiting on room_
  bool reader_waiting_ = false;
  bool stop_ = false;
  std::vector<std::thread> threads_;  // last: started once the rest is ready
};

}  // namespace overtone::adapters

#endif  // OVERTONE_ADAPTERS_PROMETHEUS_ORDERED_PIPELINE_H_
