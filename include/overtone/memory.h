// One memory limit for the whole process, and the accountant that every
// consumer of memory charges.
//
// Options::memory_limit_bytes (`overtone serve --memory-limit 2GiB`) is
// divided once, at open, into shares (SplitMemoryLimit, docs/SERVER.md
// "Memory limit"):
//
//   storage    RocksDB's block cache; the memtables are charged to it too
//              (a WriteBufferManager), so reads and writes share one bound
//   index      the in-memory series index (label sets, hash tables)
//   caches     remote read's XOR chunks, decoded FLAC frames, timestamp
//              columns and summaries
//   requests   request bodies in flight, decoded payloads, answers being built
//   queries    query working memory: rows materialized, samples loaded
//   sqlite     SQLite's own heap (sorters, page caches, statements), one
//              for the process: a hard heap limit, not a pool
//
// and a rest for threads, allocator slack and RocksDB's table readers.
//
// A MemoryPool is one share. A consumer that may be refused reserves before
// it allocates (TryReserve, or a Reservation that gives the bytes back when
// it goes); one that cannot be refused (the index of a series whose sample
// is being written) charges unconditionally (Charge) and the accountant
// reports the pressure (under_pressure()), which the server turns into
// 503 + Retry-After for writes until it passes.
//
//   MemoryAccountant memory(2u << 30);
//   MemoryPool::Reservation r(&memory.requests());
//   if (!r.Grow(body_bytes)) return Overloaded();   // 429, nothing allocated
//
// Thread-safe; lock-free.

#ifndef OVERTONE_MEMORY_H_
#define OVERTONE_MEMORY_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>

namespace overtone {

class MemoryPool {
 public:
  explicit MemoryPool(size_t limit_bytes = std::numeric_limits<size_t>::max()) : limit_(limit_bytes) {}
  MemoryPool(const MemoryPool&) = delete;
  MemoryPool& operator=(const MemoryPool&) = delete;

  // Bytes held by one user, given back when it goes out of scope.
  class Reservation {
   public:
    explicit Reservation(MemoryPool* pool) : pool_(pool) {}
    Reservation(Reservation&& o) noexcept : pool_(o.pool_), bytes_(o.bytes_) { o.bytes_ = 0; }
    Reservation& operator=(Reservation&&) = delete;
    Reservation(const Reservation&) = delete;
    ~Reservation() { Release(); }

    // Adds n bytes; false (and no change) when they do not fit.
    bool Grow(size_t n);
    void Release();
    size_t bytes() const { return bytes_; }

   private:
    MemoryPool* pool_;
    size_t bytes_ = 0;
  };

  Reservation Reserve() { return Reservation(this); }

  // Takes n bytes when they fit; false (counted as a rejection) when not.
  bool TryReserve(size_t n);
  // Takes n bytes even past the limit: for memory already allocated.
  void Charge(size_t n);
  void Release(size_t n) { in_use_.fetch_sub(n, std::memory_order_relaxed); }

  size_t limit() const { return limit_; }
  size_t in_use() const { return in_use_.load(std::memory_order_relaxed); }
  size_t peak() const { return peak_.load(std::memory_order_relaxed); }
  uint64_t rejections() const { return rejections_.load(std::memory_order_relaxed); }
  bool over_limit() const { return in_use() > limit_; }

 private:
  void NotePeak(size_t now);

  const size_t limit_;
  std::atomic<size_t> in_use_{0};
  std::atomic<size_t> peak_{0};
  std::atomic<uint64_t> rejections_{0};
};

// The smallest limit Database::Open takes: below it the shares are too
// small for RocksDB's memtables.
inline constexpr size_t kMinMemoryLimit = size_t{32} << 20;

// How a limit is divided (docs/SERVER.md "Memory limit" says why).
struct MemorySplit {
  size_t storage_bytes = 0;       // the block cache, memtables included
  size_t write_buffer_bytes = 0;  // of storage_bytes: one memtable's size
  size_t index_bytes = 0;
  size_t cache_bytes = 0;                   // the caches together, divided among them:
  size_t xor_chunk_cache_bytes = 0;         // half: remote read's XOR chunks
  size_t decoded_frame_cache_bytes = 0;     // a sixth: decoded FLAC frames
  size_t timestamp_column_cache_bytes = 0;  // a sixth: decoded shared timestamp columns
  size_t summary_cache_bytes = 0;           // the rest: decoded summaries
  size_t request_bytes = 0;
  size_t query_bytes = 0;   // every query together; one query may use all of it
  size_t sqlite_bytes = 0;  // SQLite's heap: its sorters, page caches, statements
};
MemorySplit SplitMemoryLimit(size_t limit_bytes);

class MemoryAccountant {
 public:
  // 0: no limit (every pool unbounded, never under pressure).
  explicit MemoryAccountant(size_t limit_bytes);
  MemoryAccountant(const MemoryAccountant&) = delete;
  MemoryAccountant& operator=(const MemoryAccountant&) = delete;

  size_t limit() const { return limit_; }
  bool limited() const { return limit_ != 0; }
  const MemorySplit& split() const { return split_; }

  MemoryPool& index() { return index_; }
  MemoryPool& caches() { return caches_; }
  MemoryPool& requests() { return requests_; }
  MemoryPool& queries() { return queries_; }
  const MemoryPool& index() const { return index_; }
  const MemoryPool& caches() const { return caches_; }
  const MemoryPool& requests() const { return requests_; }
  const MemoryPool& queries() const { return queries_; }

  // How the storage's usage is read (the block cache's, memtables
  // included); set by the database at open.
  void SetStorageUsage(std::function<size_t()> usage) { storage_usage_ = std::move(usage); }
  size_t storage_in_use() const { return storage_usage_ ? storage_usage_() : 0; }

  // How SQLite's heap is read (sqlite3_memory_used); set by the SQL layer
  // when it registers a connection for this database, from any thread.
  void SetSqliteUsage(size_t (*usage)()) { sqlite_usage_.store(usage, std::memory_order_release); }
  size_t sqlite_in_use() const {
    size_t (*usage)() = sqlite_usage_.load(std::memory_order_acquire);
    return usage != nullptr ? usage() : 0;
  }

  // Everything charged: the pools, the storage and SQLite's heap.
  size_t in_use() const;
  // Whether writes should back off: the index past its share (too many
  // series written to lately), or everything past the limit.
  bool under_pressure() const;

 private:
  const size_t limit_;
  const MemorySplit split_;
  MemoryPool index_, caches_, requests_, queries_;
  std::function<size_t()> storage_usage_;
  std::atomic<size_t (*)()> sqlite_usage_{nullptr};
};

// How the C library's allocator (glibc's malloc) is set for a process that
// runs queries (docs/SERVER.md "The allocator"). By default glibc serves
// an allocation of 128 KiB or more with its own mmap and unmaps it at free,
// and gives back the free top of a heap past 128 KiB (its thresholds rise
// with what is freed, to at most 32 MiB); so every large buffer a query
// builds (a series' decoded samples, a table function's rows, an answer)
// came back as fresh zero pages the kernel faulted in one by one, each
// query again: a fifth of a range query's CPU. And it makes up to 8 arenas
// per core, one for each thread that allocates at once, whose free memory
// no other thread reuses: the resident memory grew with every query that
// ran on a new thread. So:
//   arenas      the cores, from 2 to 8 (M_ARENA_MAX): threads share them
//   keep_bytes  an allocation below it comes from an arena and goes back
//               to it (M_MMAP_THRESHOLD), and an arena keeps up to this
//               much free at its top for the next query (M_TRIM_THRESHOLD):
//               64 MiB, or under a memory limit 1/32 of it over the arenas
//               (part of the limit's rest, left for the allocator's slack)
struct AllocatorSettings {
  int arenas = 0;
  size_t keep_bytes = 0;
};
AllocatorSettings AllocatorSettingsFor(size_t memory_limit_bytes, unsigned cores);

// Sets the allocator so (mallopt), for this process: Database::Open calls
// it unless Options::tune_allocator is false. Opening under a smaller limit
// later lowers keep_bytes; a larger one leaves it. Thread-safe. Nothing
// where the C library is not glibc.
void TuneAllocator(size_t memory_limit_bytes);

// Gives the allocator's free pages back to the system (glibc's
// malloc_trim). Called after each compaction run, which frees much at once
// (memtables flushed, series turned cold, segments built): without it the
// freed memory stays in the allocator's arenas and RSS keeps the run's
// high-water mark instead of following what is in use.
void ReleaseFreeHeap();

}  // namespace overtone

#endif  // OVERTONE_MEMORY_H_
