#include "overtone/memory.h"

#include <malloc.h>

#include <algorithm>
#include <mutex>
#include <thread>

namespace overtone {

bool MemoryPool::TryReserve(size_t n) {
  size_t cur = in_use_.load(std::memory_order_relaxed);
  do {
    if (n > limit_ || cur > limit_ - n) {
      rejections_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
  } while (!in_use_.compare_exchange_weak(cur, cur + n, std::memory_order_relaxed));
  NotePeak(cur + n);
  return true;
}

void MemoryPool::Charge(size_t n) { NotePeak(in_use_.fetch_add(n, std::memory_order_relaxed) + n); }

void MemoryPool::NotePeak(size_t now) {
  size_t peak = peak_.load(std::memory_order_relaxed);
  while (now > peak && !peak_.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
  }
}

bool MemoryPool::Reservation::Grow(size_t n) {
  if (n == 0) return true;
  if (!pool_->TryReserve(n)) return false;
  bytes_ += n;
  return true;
}

void MemoryPool::Reservation::Release() {
  if (bytes_ > 0) pool_->Release(bytes_);
  bytes_ = 0;
}

// Why these shares (docs/SERVER.md "Memory limit"): the storage, the index
// and requests in flight each grow with the load and each can hurt the
// others, so each gets a quarter; queries an eighth, half for overtone's
// tables and answers (one query may take all of that half), half for
// SQLite's own heap (its sorters spill to temporary files past their
// cache); the caches only save work and get a sixteenth, half of it for
// remote read's XOR chunks (at 2 GiB that is the 64 MiB a day of 1,700
// series needs, Options::xor_chunk_cache_bytes; a thirty-second's quarter,
// 16 MiB, made every warm read of that day re-encode most of it); the rest
// (1/16) is for threads, the allocator's slack and RocksDB's table readers,
// which no share can bound (their index and filter blocks live in the
// block cache).
MemorySplit SplitMemoryLimit(size_t limit) {
  MemorySplit s;
  s.storage_bytes = limit / 4;
  s.write_buffer_bytes = limit / 16;  // the memtables together stop at half the storage share
  s.index_bytes = limit / 4;
  s.cache_bytes = limit / 16;
  s.xor_chunk_cache_bytes = s.cache_bytes / 2;
  s.decoded_frame_cache_bytes = s.cache_bytes / 6;
  s.timestamp_column_cache_bytes = s.cache_bytes / 6;
  s.summary_cache_bytes =
      s.cache_bytes - s.xor_chunk_cache_bytes - s.decoded_frame_cache_bytes - s.timestamp_column_cache_bytes;
  s.request_bytes = limit / 4;
  s.query_bytes = limit / 16;
  s.sqlite_bytes = limit / 16;
  return s;
}

namespace {
constexpr size_t kUnbounded = std::numeric_limits<size_t>::max();
size_t Share(size_t limit, size_t share) { return limit == 0 ? kUnbounded : share; }
}  // namespace

MemoryAccountant::MemoryAccountant(size_t limit)
    : limit_(limit),
      split_(SplitMemoryLimit(limit)),
      index_(Share(limit, split_.index_bytes)),
      caches_(Share(limit, split_.cache_bytes)),
      requests_(Share(limit, split_.request_bytes)),
      queries_(Share(limit, split_.query_bytes)) {}

size_t MemoryAccountant::in_use() const {
  return index_.in_use() + caches_.in_use() + requests_.in_use() + queries_.in_use() + storage_in_use() +
         sqlite_in_use();
}

bool MemoryAccountant::under_pressure() const {
  if (limit_ == 0) return false;
  return index_.over_limit() || in_use() > limit_;
}

AllocatorSettings AllocatorSettingsFor(size_t limit, unsigned cores) {
  AllocatorSettings s;
  s.arenas = static_cast<int>(std::clamp(cores, 2u, 8u));
  constexpr size_t kKeep = size_t{64} << 20, kMinKeep = size_t{1} << 20;
  s.keep_bytes = limit == 0 ? kKeep : std::clamp(limit / 32 / s.arenas, kMinKeep, kKeep);
  return s;
}

void TuneAllocator(size_t limit) {
#if defined(__GLIBC__)
  static std::mutex mu;
  static size_t kept = std::numeric_limits<size_t>::max();
  std::lock_guard lock(mu);
  const AllocatorSettings s = AllocatorSettingsFor(limit, std::thread::hardware_concurrency());
  if (s.keep_bytes >= kept) return;
  kept = s.keep_bytes;
  mallopt(M_ARENA_MAX, s.arenas);
  mallopt(M_MMAP_THRESHOLD, static_cast<int>(s.keep_bytes));
  mallopt(M_TRIM_THRESHOLD, static_cast<int>(s.keep_bytes));
#else
  (void)limit;
#endif
}

void ReleaseFreeHeap() { malloc_trim(0); }

}  // namespace overtone
