// What the crash test writes and how it checks it, shared by the worker
// (crash_worker.cc, the process that gets killed) and the driver
// (crash_driver.cc, which kills it and checks the database afterwards).
//
// Every sample's value is a function of its series and timestamp, so any
// sample found in the database can be checked on its own, and writing a
// sample twice (a retry, a late rewrite) writes the same value: "exactly
// once" then means one sample per (series, ts), never two.
//
// An acknowledgement is recorded only after the write returned OK (the API)
// or the server answered 2xx (remote write). Ack records are fixed-size
// binary; a record cut short by SIGKILL is ignored, so the acknowledged set
// the driver checks is never larger than what was acknowledged.

#ifndef OVERTONE_TESTS_CRASH_CRASH_MODEL_H_
#define OVERTONE_TESTS_CRASH_CRASH_MODEL_H_

#include <bit>
#include <cstdint>
#include <string>

#include "overtone/types.h"

namespace overtone::crash {

// Streams of writes: the worker's API writer threads and the driver's
// remote-write sender each own their own series.
inline constexpr int kApiWriters = 2;
inline constexpr int kRemoteWriteStream = kApiWriters;  // stream number of the sender
inline constexpr int kStreams = kApiWriters + 1;
inline constexpr int kSeriesPerStream = 8;

// Time layout: cycle c writes forward from c * kCycleSpanMs in steps of
// kStepMs, plus late samples anywhere before that. Small segments so the
// worker's compaction seals (and re-seals) windows while writes go on.
inline constexpr int64_t kCycleSpanMs = 1'000'000'000;
inline constexpr int64_t kStepMs = 1000;
inline constexpr int64_t kSegmentSpanMs = 60'000;

inline Labels SeriesLabels(int stream, int series) {
  return {{"__name__", "crash_test_value"},
          {"series", std::to_string(series)},
          {"stream", stream == kRemoteWriteStream ? "remote_write" : "api" + std::to_string(stream)}};
}

// A global key: stream * kSeriesPerStream + series.
inline uint32_t SeriesKey(int stream, int series) { return uint32_t(stream * kSeriesPerStream + series); }

inline uint64_t Mix(uint64_t x) {  // splitmix64's finalizer
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Values with two decimals, as gauges often have (so segments take the FLAC
// path), and now and then a stale marker.
inline double ExpectedValue(uint32_t key, int64_t ts) {
  uint64_t h = Mix(uint64_t(key) << 48 ^ uint64_t(ts));
  if (h % 97 == 0) return StaleNaN();
  return double(int64_t(h >> 40) % 100000) / 100.0;
}

struct AckRecord {
  uint32_t key;
  uint32_t pad = 0;
  int64_t ts;
};
static_assert(sizeof(AckRecord) == 16);

inline std::string AckFileName(int cycle, int stream) {
  return "acks-" + std::to_string(cycle) + "-" + std::to_string(stream) + ".bin";
}

}  // namespace overtone::crash

#endif  // OVERTONE_TESTS_CRASH_CRASH_MODEL_H_
