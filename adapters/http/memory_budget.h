// MemoryBudget: a byte budget for the server's in-flight request memory
// (bodies, decompressed payloads, decoded messages, responses being built).
//
// A request reserves what it is about to allocate *before* allocating it;
// when the reservation does not fit, the request is refused (429/503) and
// nothing is allocated. So concurrent large requests cannot add up to an
// out-of-memory kill: past the budget they are turned away, quickly.
//
//   MemoryBudget::Reservation r = budget.Reserve();
//   if (!r.Grow(content_length)) return Overloaded();
//   ... read the body ...   // released when r goes out of scope
//
// Thread-safe; lock-free.

#ifndef OVERTONE_ADAPTERS_HTTP_MEMORY_BUDGET_H_
#define OVERTONE_ADAPTERS_HTTP_MEMORY_BUDGET_H_

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace overtone::adapters {

class MemoryBudget {
 public:
  explicit MemoryBudget(size_t limit_bytes) : limit_(limit_bytes) {}
  MemoryBudget(const MemoryBudget&) = delete;
  MemoryBudget& operator=(const MemoryBudget&) = delete;

  class Reservation {
   public:
    explicit Reservation(MemoryBudget* budget) : budget_(budget) {}
    Reservation(Reservation&& o) noexcept : budget_(o.budget_), bytes_(o.bytes_) { o.bytes_ = 0; }
    Reservation& operator=(Reservation&&) = delete;
    Reservation(const Reservation&) = delete;
    ~Reservation() { Release(); }

    // Adds n bytes; false (and no change) when they do not fit.
    bool Grow(size_t n);
    void Release();
    size_t bytes() const { return bytes_; }

   private:
    MemoryBudget* budget_;
    size_t bytes_ = 0;
  };

  Reservation Reserve() { return Reservation(this); }

  size_t limit() const { return limit_; }
  size_t in_use() const { return in_use_.load(std::memory_order_relaxed); }
  size_t peak() const { return peak_.load(std::memory_order_relaxed); }
  uint64_t rejections() const { return rejections_.load(std::memory_order_relaxed); }

 private:
  bool TryAcquire(size_t n);
  void Release(size_t n) { in_use_.fetch_sub(n, std::memory_order_relaxed); }

  const size_t limit_;
  std::atomic<size_t> in_use_{0};
  std::atomic<size_t> peak_{0};
  std::atomic<uint64_t> rejections_{0};
};

}  // namespace overtone::adapters

#endif  // OVERTONE_ADAPTERS_HTTP_MEMORY_BUDGET_H_
