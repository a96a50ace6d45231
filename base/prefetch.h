// Asking for memory ahead of its use, so that the cache misses of several
// lookups overlap instead of being waited out one by one.
//
// Inlined always: GCC takes a function whose only work is __builtin_prefetch
// for one without effect and drops the calls to it, so a plain helper
// compiles to nothing (the series id cache's did, until this header).

#ifndef OVERTONE_BASE_PREFETCH_H_
#define OVERTONE_BASE_PREFETCH_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace overtone {

inline constexpr size_t kCacheLine = 64;

// Asks for the cache lines of [p, p + n), at most the first `max_lines`.
[[gnu::always_inline]] inline void PrefetchLines(const void* p, size_t n, size_t max_lines) {
  const auto begin = reinterpret_cast<uintptr_t>(p) & ~(kCacheLine - 1);
  const auto end = std::min(reinterpret_cast<uintptr_t>(p) + n, begin + max_lines * kCacheLine);
  for (uintptr_t a = begin; a < end; a += kCacheLine) __builtin_prefetch(reinterpret_cast<const void*>(a));
}

}  // namespace overtone

#endif  // OVERTONE_BASE_PREFETCH_H_
