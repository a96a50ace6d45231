// A workload emulator after PromEmu (shared/seeds/004_*): a fleet of hosts
// with roles, scraped every interval, whose metrics behave like real ones.
//
// Each host has the labels {host="web-003", role="web", region="eu-west"}
// and seven series plus a request-latency histogram:
//   cpu_usage_percent              gauge, 0..100, 2 decimals: a daily harmonic
//                                  (busy afternoons in the host's region) +
//                                  noise + a bump while a heavy task runs
//   memory_usage_bytes             gauge, a mean-reverting random walk in pages
//   network_receive_bytes_total    counter, large (10^11..10^13), monotonic
//   network_transmit_bytes_total   counter
//   http_requests_total            counter, with the daily load
//   heavy_task_active              gauge 0/1, a two-state Markov chain
//   db_connections                 gauge, with occasional runs of NaN (a
//                                  scrape that could not read it)
//   http_request_duration_seconds  classic histogram of the requests that
//     _bucket{le=...} _sum _count  http_requests_total counts: cumulative
//                                  counters per le (kLatencyBounds, +Inf),
//                                  _count equal to http_requests_total and
//                                  to the +Inf bucket, _sum in seconds. Each
//                                  scrape's new requests are split by a
//                                  log-normal latency whose median depends
//                                  on the role and grows with the load and
//                                  while a heavy task runs.
// Now and then a host's process restarts (http_requests_total back to 0) or
// the host reboots (every counter back to 0): counter resets, as rate() sees
// them; the histogram resets with http_requests_total. Event rates are per unit of time, so they do not
// depend on the interval.
//
// Timestamps: host h is scraped at start + offset_h + k*interval + jitter,
// offset_h fixed in [0, interval), jitter in [0, jitter_ms] each scrape, for
// every k with start + offset_h + k*interval < end.
//
// Deterministic: every host has its own random stream seeded from (seed,
// host index), so the same options give the same samples whatever the order
// hosts are generated in (host by host for files, window by window for
// remote write) and on every run. The histogram draws from a stream of its
// own, so the other series are the same as without it.

#ifndef OVERTONE_ADAPTERS_EMULATOR_EMULATOR_H_
#define OVERTONE_ADAPTERS_EMULATOR_EMULATOR_H_

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "adapters/formats/sample_writer.h"
#include "overtone/database.h"
#include "overtone/status.h"
#include "overtone/types.h"

namespace overtone::adapters {

struct EmulatorOptions {
  int hosts = 10;
  int64_t interval_ms = 15'000;
  int64_t start_ms = 0;  // scrapes in [start_ms, end_ms)
  int64_t end_ms = 0;
  int64_t jitter_ms = 2;  // REQUIRES: 0 <= jitter_ms < interval_ms
  uint64_t seed = 1;
};

enum EmulatedMetric {
  kCpuUsage,
  kMemoryUsage,
  kNetworkReceive,
  kNetworkTransmit,
  kHttpRequests,
  kHeavyTask,
  kDbConnections,
  kLatencyBucketFirst,  // http_request_duration_seconds_bucket, one per le, ascending
  kLatencySum = kLatencyBucketFirst + 8,
  kLatencyCount,
  kNumEmulatedMetrics,
};
inline constexpr int kLatencyBuckets = kLatencySum - kLatencyBucketFirst;
// The buckets' upper bounds in seconds, the last one +Inf.
extern const double kLatencyBounds[kLatencyBuckets];

struct EmulatedMetricInfo {
  const char* name;   // the series' __name__
  FamilyInfo family;  // the histogram's series share one family
  const char* le;     // the bucket's le label, nullptr for other series
};
const EmulatedMetricInfo& GetEmulatedMetric(int metric);

// The samples of some consecutive scrapes of one host, per metric.
struct HostChunk {
  std::array<std::vector<Sample>, kNumEmulatedMetrics> samples;
  size_t scrapes() const { return samples[0].size(); }
};

// One host: its labels and the state of its metrics.
class HostEmulator {
 public:
  // REQUIRES: options valid (see ValidateEmulatorOptions)
  HostEmulator(const EmulatorOptions& options, int index);

  const Labels& labels(int metric) const { return labels_[metric]; }
  const std::string& role() const { return role_; }
  uint64_t total_scrapes() const { return total_scrapes_; }
  bool done() const { return next_scrape_ >= total_scrapes_; }

  // Replaces `chunk`'s contents with the next up to `max_scrapes` scrapes.
  void Next(size_t max_scrapes, HostChunk* chunk);

  // xoshiro256**: fast, and the same numbers everywhere.
  struct Rng {
    uint64_t s[4];
    uint64_t Next();
    double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
    double Normal();  // mean 0, variance 1 (Irwin-Hall, bounded: +-3.46)
  };

 private:
  void Scrape(int64_t ts, HostChunk* chunk);
  // Splits `requests` new requests over the buckets (after the others'
  // draws: a stream of its own).
  void Observe(double requests, double load, double heavy);

  std::array<Labels, kNumEmulatedMetrics> labels_;
  std::string role_;
  int role_index_ = 0;
  Rng rng_;
  Rng latency_rng_;  // the histogram's own stream
  int64_t first_ts_ = 0, interval_ms_ = 0, jitter_ms_ = 0;
  uint64_t total_scrapes_ = 0, next_scrape_ = 0;
  double interval_s_ = 0;
  double tz_offset_s_ = 0;  // the region's local time, for the daily cycle
  // Per-host character, fixed.
  double cpu_bias_ = 0, memory_total_ = 0, rx_base_ = 0, tx_ratio_ = 0, rps_base_ = 0;
  double latency_median_ = 0;  // seconds, at no load
  // State.
  double memory_frac_ = 0, rx_ = 0, tx_ = 0, requests_ = 0;
  bool heavy_ = false;
  int nan_gap_left_ = 0;
  std::array<double, kLatencyBuckets> latency_buckets_{};  // cumulative
  double latency_sum_ = 0;
};

// InvalidArgument naming the bad option, if any.
Status ValidateEmulatorOptions(const EmulatorOptions& options);

// Samples the options produce: hosts x scrapes x metrics.
uint64_t EmulatedSampleCount(const EmulatorOptions& options);

// Called with the number of samples produced so far.
using EmulateProgress = std::function<void(uint64_t samples)>;

// Writes the fleet family by family, each series' samples in time order, as
// OpenMetrics wants: it generates every host once per family (cheap next to
// formatting) instead of buffering the whole output.
Status EmulateToWriter(const EmulatorOptions& options, SampleWriter* writer,
                       const EmulateProgress& progress = nullptr);

// Writes the fleet into `db` in atomic batches of about `batch_samples`.
Status EmulateToDatabase(const EmulatorOptions& options, Database* db, size_t batch_samples,
                         const EmulateProgress& progress = nullptr);

// Hands the fleet over window by window (all hosts' next `window_scrapes`
// scrapes), for a receiver that wants time to move forward, such as
// Prometheus's remote-write receiver. `send` gets a batch to send; an error
// stops the run.
Status EmulateInWindows(const EmulatorOptions& options, size_t window_scrapes,
                        const std::function<Status(const std::vector<HostEmulator>& hosts,
                                                   const std::vector<HostChunk>& chunks)>& send);

}  // namespace overtone::adapters

#endif  // OVERTONE_ADAPTERS_EMULATOR_EMULATOR_H_
