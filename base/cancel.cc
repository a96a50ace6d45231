#include "overtone/cancel.h"

#include <algorithm>
#include <string>

namespace overtone {

const char* CancelReasonName(CancelReason reason) {
  switch (reason) {
    case CancelReason::kNone: return "";
    case CancelReason::kDeadline: return "timeout";
    case CancelReason::kClientGone: return "client_gone";
    case CancelReason::kShutdown: return "shutdown";
    case CancelReason::kMemory: return "memory";
  }
  return "";
}

Status CancelToken::status() const {
  switch (reason()) {
    case CancelReason::kNone: return Status::OK();
    case CancelReason::kDeadline: return Status::Busy("query timed out");
    case CancelReason::kClientGone: return Status::Aborted("query cancelled: the client went away");
    case CancelReason::kShutdown: return Status::Aborted("query cancelled: the server is stopping");
    case CancelReason::kMemory:
      // Prometheus's words for its --query.max-samples, which clients know.
      return Status::Aborted(
          "query processing would load too many samples into memory in query execution: "
          "its working memory passed the per-query limit of " +
          std::to_string(memory_limit_) +
          " bytes (or the memory of all running queries); narrow the selector or the time "
          "range");
  }
  return Status::OK();
}

bool CancelToken::ChargeMemory(size_t n) const {
  const size_t before = memory_charged_.fetch_add(n, std::memory_order_relaxed);
  const bool fits = before + n >= before && before + n <= memory_limit_ &&
                    (memory_pool_ == nullptr || memory_pool_->TryReserve(n));
  if (fits) return true;
  memory_charged_.fetch_sub(n, std::memory_order_relaxed);
  const_cast<CancelToken*>(this)->Cancel(CancelReason::kMemory);
  return false;
}

void CancelToken::ReleaseMemory(size_t n) const {
  // At most what is charged: a table closed after a Reset gave it all back.
  size_t cur = memory_charged_.load(std::memory_order_relaxed);
  size_t give;
  do {
    give = std::min(n, cur);
  } while (!memory_charged_.compare_exchange_weak(cur, cur - give, std::memory_order_relaxed));
  if (memory_pool_ != nullptr && give > 0) memory_pool_->Release(give);
}

}  // namespace overtone
