// The allocator settings for a process that runs queries (TuneAllocator,
// overtone/memory.h): their values, and that a large buffer freed and
// allocated again costs no fresh pages once they are applied.

#include "overtone/memory.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <cstdlib>
#include <thread>

namespace overtone {
namespace {

TEST(AllocatorSettingsTest, ArenasFollowTheCoresFromTwoToEight) {
  EXPECT_EQ(AllocatorSettingsFor(0, 0).arenas, 2);
  EXPECT_EQ(AllocatorSettingsFor(0, 1).arenas, 2);
  EXPECT_EQ(AllocatorSettingsFor(0, 4).arenas, 4);
  EXPECT_EQ(AllocatorSettingsFor(0, 64).arenas, 8);
}

TEST(AllocatorSettingsTest, KeptBytesAreAThirtySecondOfTheLimitOverTheArenas) {
  EXPECT_EQ(AllocatorSettingsFor(0, 2).keep_bytes, size_t{64} << 20);  // no limit
  EXPECT_EQ(AllocatorSettingsFor(size_t{2} << 30, 2).keep_bytes, size_t{32} << 20);
  EXPECT_EQ(AllocatorSettingsFor(size_t{2} << 30, 8).keep_bytes, size_t{8} << 20);
  EXPECT_EQ(AllocatorSettingsFor(size_t{64} << 30, 2).keep_bytes, size_t{64} << 20);  // at most 64 MiB
  EXPECT_EQ(AllocatorSettingsFor(kMinMemoryLimit, 2).keep_bytes, size_t{1} << 20);    // at least 1 MiB
}

// Minor page faults of the calling thread so far.
long ThreadMinorFaults() {
  rusage r{};
  getrusage(RUSAGE_THREAD, &r);
  return r.ru_minflt;
}

// The minor faults of allocating, filling and freeing `bytes` on the
// calling thread.
long FaultsOfOneBuffer(size_t bytes) {
  const long before = ThreadMinorFaults();
  void* buffer = std::malloc(bytes);
  if (buffer == nullptr) return -1;
  volatile char* p = static_cast<char*>(buffer);  // every page written, as the compiler must
  for (size_t i = 0; i < bytes; i += 4096) p[i] = 1;
  std::free(buffer);
  return ThreadMinorFaults() - before;
}

// GCC names the sanitizers with macros, Clang with __has_feature.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define OVERTONE_SANITIZED_ALLOCATOR 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define OVERTONE_SANITIZED_ALLOCATOR 1
#endif
#endif

#if defined(__GLIBC__)
TEST(TuneAllocatorTest, ABufferFreedAndAllocatedAgainReusesItsPages) {
#if defined(OVERTONE_SANITIZED_ALLOCATOR)
  // The sanitizer's allocator replaces glibc's and quarantines what is
  // freed, so glibc's settings cannot show here.
  GTEST_SKIP() << "glibc's allocator is replaced by the sanitizer's";
#endif
  TuneAllocator(0);
  // 48 MiB: glibc's own settings map (and fault in) a buffer this large
  // anew every time; on a thread of its own, as a query's evaluation runs.
  constexpr size_t kBytes = size_t{48} << 20;
  long first = 0, again = 0;
  std::thread([&] {
    first = FaultsOfOneBuffer(kBytes);
    again = FaultsOfOneBuffer(kBytes);
  }).join();
  EXPECT_GT(first, static_cast<long>(kBytes / 4096 / 2));  // the first time its pages are new
  EXPECT_LT(again, first / 10) << "first " << first << " faults, again " << again;
}
#endif

}  // namespace
}  // namespace overtone
