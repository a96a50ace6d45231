#include "adapters/http/memory_budget.h"

namespace overtone::adapters {

bool MemoryBudget::TryAcquire(size_t n) {
  size_t cur = in_use_.load(std::memory_order_relaxed);
  do {
    if (n > limit_ || cur > limit_ - n) {
      rejections_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
  } while (!in_use_.compare_exchange_weak(cur, cur + n, std::memory_order_relaxed));
  size_t now = cur + n;
  size_t peak = peak_.load(std::memory_order_relaxed);
  while (now > peak && !peak_.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
  }
  return true;
}

bool MemoryBudget::Reservation::Grow(size_t n) {
  if (n == 0) return true;
  if (!budget_->TryAcquire(n)) return false;
  bytes_ += n;
  return true;
}

void MemoryBudget::Reservation::Release() {
  if (bytes_ > 0) budget_->Release(bytes_);
  bytes_ = 0;
}

}  // namespace overtone::adapters
