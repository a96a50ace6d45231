// ServerMetrics: the server's own counters and latency histograms, and the
// /metrics (Prometheus text format 0.0.4) and /stats (JSON) renderings of
// them together with the engine's figures.
//
// Thread-safe. Per-request bookkeeping is one short mutex hold: cheap next
// to a request's protobuf decoding and write.

#ifndef OVERTONE_ADAPTERS_HTTP_SERVER_METRICS_H_
#define OVERTONE_ADAPTERS_HTTP_SERVER_METRICS_H_

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "overtone/cancel.h"
#include "overtone/database.h"

namespace overtone::adapters {

// Figures that come from outside the metrics object, read when rendering.
struct ServerFigures {
  DatabaseStats db;
  size_t request_memory_in_use = 0;
  size_t request_memory_peak = 0;
  size_t request_memory_limit = 0;
  uint64_t request_memory_rejections = 0;
  size_t memory_limit = 0;        // --memory-limit; 0 when not set
  size_t block_cache_bytes = 0;   // configured RocksDB block cache
  size_t write_buffer_bytes = 0;  // configured RocksDB write buffer
  size_t resident_bytes = 0;      // the process's RSS
  bool ready = false;             // serving, and writes work
  std::string write_fault;        // why writes fail now (Database::WriteFault); empty when they work
  size_t queries_running = 0;     // query API requests running now
  std::array<uint64_t, kNumCancelReasons> queries_cancelled{};  // ended cancelled, by CancelReason
};

class ServerMetrics {
 public:
  // Upper bounds of the latency histogram buckets, seconds (+Inf implied).
  static constexpr std::array<double, 14> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                      0.1,    0.25,  0.5,    1,     2.5,  5,     10};

  ServerMetrics() : start_(std::chrono::system_clock::now()) {}

  void ObserveRequest(std::string_view handler, int code, double seconds);

  std::atomic<uint64_t> samples_ingested{0};  // by remote write
  std::atomic<uint64_t> samples_refused{0};   // of refused series
  std::atomic<uint64_t> series_refused{0};
  std::atomic<uint64_t> histograms_refused{0};
  std::atomic<uint64_t> exemplars_ignored{0};
  std::atomic<uint64_t> write_requests_v1{0};
  std::atomic<uint64_t> write_requests_v2{0};
  std::atomic<uint64_t> read_requests_samples{0};  // by response type
  std::atomic<uint64_t> read_requests_streamed{0};
  std::atomic<uint64_t> read_queries{0};
  std::atomic<uint64_t> read_series{0};
  std::atomic<uint64_t> read_samples{0};
  std::atomic<uint64_t> overloaded{0};  // requests refused for memory
  // Remote write requests answered 503 because the disk is full or failing.
  std::atomic<uint64_t> write_storage_faults{0};
  // Whether the last remote write failed for a storage fault: the server
  // logs the first failure and the first success after it, once each.
  std::atomic<bool> storage_failing{false};

  std::string RenderText(const ServerFigures& f) const;
  std::string RenderJson(const ServerFigures& f) const;

 private:
  struct Series {
    uint64_t count = 0;
    double sum = 0;
    std::array<uint64_t, kBuckets.size()> buckets{};  // non-cumulative
  };
  std::chrono::system_clock::time_point start_;
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, Series> requests_;  // (handler, code)
};

// The resident set size of this process, from /proc/self/statm; 0 if unknown.
size_t ResidentMemoryBytes();

}  // namespace overtone::adapters

#endif  // OVERTONE_ADAPTERS_HTTP_SERVER_METRICS_H_
