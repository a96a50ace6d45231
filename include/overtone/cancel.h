// CancelToken: how a long query learns it should stop.
//
// The one who starts a query gives it a token (a deadline, optionally);
// anyone else may cancel it with a reason (the HTTP client went away, the
// server is stopping). The query's loops ask cancelled() now and then (the
// SQLite progress handler every 1000 instructions, the engine once per
// series) and stop with status() as their error. A token is passed down as
// a pointer, never found in a global: a query that was given none cannot be
// cancelled.
//
//   CancelToken token(std::chrono::steady_clock::now() + std::chrono::seconds(120));
//   query.cancel = &token;                     // e.g. OverTimeQuery::cancel
//   ... another thread: token.Cancel(CancelReason::kClientGone);
//
// Thread-safe: Cancel() and cancelled() may race; Reset() belongs to the
// owner, before the token is handed out again.

#ifndef OVERTONE_CANCEL_H_
#define OVERTONE_CANCEL_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>

#include "overtone/memory.h"
#include "overtone/status.h"

namespace overtone {

enum class CancelReason : uint8_t {
  kNone = 0,
  kDeadline,    // the query's time limit passed
  kClientGone,  // whoever asked is no longer there to read the answer
  kShutdown,    // the process is stopping
  kMemory,      // the query's working memory passed its limit (LimitMemory)
};
inline constexpr int kNumCancelReasons = 5;

// "timeout", "client_gone", "shutdown", "memory" ("" for kNone): a metric's label value.
const char* CancelReasonName(CancelReason reason);

class CancelToken {
 public:
  using Clock = std::chrono::steady_clock;

  CancelToken() = default;
  explicit CancelToken(Clock::time_point deadline) { Reset(deadline); }
  CancelToken(const CancelToken&) = delete;
  CancelToken& operator=(const CancelToken&) = delete;
  ~CancelToken() { ReleaseAllMemory(); }

  // Starts over: not cancelled, stopping at `deadline` (never by default)
  // or when `parent` is cancelled (then with the parent's reason): a
  // query's run inside a request that others may cancel.
  // REQUIRES: `parent` outlives its use here, until the next Reset.
  // Reset also gives back the memory charged and lifts the memory limit.
  void Reset(Clock::time_point deadline = Clock::time_point::max(), const CancelToken* parent = nullptr) {
    ReleaseAllMemory();
    memory_limit_ = std::numeric_limits<size_t>::max();
    memory_pool_ = nullptr;
    reason_.store(CancelReason::kNone, std::memory_order_relaxed);
    deadline_ns_.store(deadline.time_since_epoch().count(), std::memory_order_relaxed);
    parent_ = parent;
  }

  // Cancels for `reason`; a token already cancelled keeps its first reason.
  void Cancel(CancelReason reason) {
    CancelReason none = CancelReason::kNone;
    reason_.compare_exchange_strong(none, reason, std::memory_order_acq_rel);
  }

  // Whether the work should stop; a passed deadline cancels the token (kDeadline).
  bool cancelled() const {
    if (reason_.load(std::memory_order_acquire) != CancelReason::kNone) return true;
    if (parent_ != nullptr && parent_->cancelled()) {
      const_cast<CancelToken*>(this)->Cancel(parent_->reason());
      return true;
    }
    const Clock::rep deadline = deadline_ns_.load(std::memory_order_relaxed);
    if (deadline == Clock::time_point::max().time_since_epoch().count()) return false;
    if (Clock::now().time_since_epoch().count() < deadline) return false;
    const_cast<CancelToken*>(this)->Cancel(CancelReason::kDeadline);
    return true;
  }

  CancelReason reason() const { return reason_.load(std::memory_order_acquire); }

  // Bounds the query's working memory (overtone/memory.h): what its tables
  // hold (rows computed in full, the series they name) is charged with
  // ChargeMemory, up to `limit_bytes` and taken from `pool` (shared by the
  // queries running; may be null). Past either the token is cancelled with
  // kMemory. REQUIRES: called by the owner, after Reset and before the
  // token is handed out; `pool` outlives the next Reset.
  void LimitMemory(size_t limit_bytes, MemoryPool* pool) {
    memory_limit_ = limit_bytes;
    memory_pool_ = pool;
  }
  // Charges n bytes: false, and the token cancelled, when they do not fit.
  bool ChargeMemory(size_t n) const;
  // Gives back n bytes charged before (a table that let go of its rows).
  void ReleaseMemory(size_t n) const;
  size_t memory_charged() const { return memory_charged_.load(std::memory_order_relaxed); }
  size_t memory_limit() const { return memory_limit_; }

  // OK while not cancelled; else the error to stop with: Busy ("query timed
  // out") for the deadline, Aborted ("query cancelled: ...") for the others.
  Status status() const;

 private:
  std::atomic<CancelReason> reason_{CancelReason::kNone};
  std::atomic<Clock::rep> deadline_ns_{Clock::time_point::max().time_since_epoch().count()};
  const CancelToken* parent_ = nullptr;

  void ReleaseAllMemory() {
    const size_t charged = memory_charged_.exchange(0, std::memory_order_relaxed);
    if (memory_pool_ != nullptr && charged > 0) memory_pool_->Release(charged);
  }
  size_t memory_limit_ = std::numeric_limits<size_t>::max();
  MemoryPool* memory_pool_ = nullptr;
  mutable std::atomic<size_t> memory_charged_{0};
};

// How many samples a loop reads between two checks of its token: a check
// reads the clock, a sample costs a few nanoseconds.
inline constexpr uint64_t kSamplesPerCancelCheck = 4096;

// The status() of `token`, OK for a null one: for loops given an optional token.
inline Status CheckCancel(const CancelToken* token) {
  return token != nullptr && token->cancelled() ? token->status() : Status::OK();
}

}  // namespace overtone

#endif  // OVERTONE_CANCEL_H_
