#include "adapters/emulator/emulator.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numbers>

namespace overtone::adapters {
namespace {

constexpr FamilyInfo kLatencyFamily = {"http_request_duration_seconds", "histogram",
                                       "Time to serve an HTTP request.", "seconds"};
constexpr const char* kBucket = "http_request_duration_seconds_bucket";

const EmulatedMetricInfo kMetrics[kNumEmulatedMetrics] = {
    {"cpu_usage_percent", {"cpu_usage_percent", "gauge", "Share of CPU time busy, in percent.", ""}, nullptr},
    {"memory_usage_bytes", {"memory_usage_bytes", "gauge", "Memory in use.", "bytes"}, nullptr},
    {"network_receive_bytes_total",
     {"network_receive_bytes", "counter", "Bytes received on all interfaces.", "bytes"},
     nullptr},
    {"network_transmit_bytes_total",
     {"network_transmit_bytes", "counter", "Bytes sent on all interfaces.", "bytes"},
     nullptr},
    {"http_requests_total", {"http_requests", "counter", "HTTP requests served.", ""}, nullptr},
    {"heavy_task_active", {"heavy_task_active", "gauge", "1 while a heavy task runs.", ""}, nullptr},
    {"db_connections", {"db_connections", "gauge", "Open database connections.", ""}, nullptr},
    {kBucket, kLatencyFamily, "0.01"},
    {kBucket, kLatencyFamily, "0.025"},
    {kBucket, kLatencyFamily, "0.05"},
    {kBucket, kLatencyFamily, "0.1"},
    {kBucket, kLatencyFamily, "0.25"},
    {kBucket, kLatencyFamily, "0.5"},
    {kBucket, kLatencyFamily, "1"},
    {kBucket, kLatencyFamily, "+Inf"},
    {"http_request_duration_seconds_sum", kLatencyFamily, nullptr},
    {"http_request_duration_seconds_count", kLatencyFamily, nullptr},
};

// What differs between roles. Rates are per second, sizes in bytes.
struct RoleProfile {
  const char* name;
  double cpu_base, cpu_daily, cpu_heavy;
  double memory_total;
  double rx_bytes_per_s, tx_ratio;
  double requests_per_s;
  double heavy_mean_gap_s, heavy_mean_length_s;
  bool night_shift;         // busiest when the region sleeps (batch jobs)
  double latency_median_s;  // of a request at no load
};

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
const RoleProfile kRoles[] = {
    {"web", 15, 45, 30, 16 * kGiB, 12e6, 2.5, 250, 8 * 3600, 600, false, 0.045},
    {"db", 20, 30, 35, 64 * kGiB, 6e6, 1.2, 40, 12 * 3600, 900, false, 0.012},
    {"batch", 5, 20, 60, 32 * kGiB, 2e6, 0.5, 1, 2 * 3600, 2700, true, 0.35},
    {"cache", 10, 20, 25, 32 * kGiB, 25e6, 1.8, 600, 24 * 3600, 300, false, 0.003},
};
// Of every ten hosts: five web, two db, two batch, one cache.
constexpr int kRoleCycle[10] = {0, 0, 0, 0, 0, 1, 1, 2, 2, 3};

struct Region {
  const char* name;
  double utc_offset_s;
};
const Region kRegions[] = {{"eu-west", 3600}, {"us-east", -5 * 3600}, {"ap-south", 5.5 * 3600}};

constexpr double kRestartMeanGapS = 2 * 86400;            // process restart: requests reset
constexpr double kRebootMeanGapS = 10 * 86400;            // host reboot: every counter resets
constexpr double kNanGapMeanGapS = 6 * 3600;              // db_connections unreadable for a while
constexpr double kLatencySigma = 0.7;                     // of ln(latency)
constexpr uint64_t kLatencyStream = 0x6c6174656e6379ull;  // "latency": the histogram's seed

// Share of requests with latency <= le: the log-normal's CDF.
double LatencyShare(double le, double median) {
  if (std::isinf(le)) return 1;
  return 0.5 * std::erfc(-(std::log(le / median) / kLatencySigma) / std::numbers::sqrt2);
}

uint64_t SplitMix64(uint64_t* x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// The host's number within its role, 1-based.
int RoleNumber(int index) {
  int role = kRoleCycle[index % 10];
  int per_cycle = 0, before = 0;
  for (int i = 0; i < 10; ++i) {
    if (kRoleCycle[i] != role) continue;
    ++per_cycle;
    if (i < index % 10) ++before;
  }
  return index / 10 * per_cycle + before + 1;
}

uint64_t ScrapesOf(const EmulatorOptions& o, int64_t first_ts) {
  if (first_ts >= o.end_ms) return 0;
  return static_cast<uint64_t>((o.end_ms - first_ts + o.interval_ms - 1) / o.interval_ms);
}

// The host's scrape offset: drawn first from its stream, so EmulatedSampleCount
// can compute it without building the host.
int64_t FirstScrape(const EmulatorOptions& o, uint64_t first_random) {
  return o.start_ms + static_cast<int64_t>(first_random % static_cast<uint64_t>(o.interval_ms));
}

void SeedHost(uint64_t seed, int index, uint64_t s[4]) {
  uint64_t x = seed ^ (static_cast<uint64_t>(index) * 0xd1b54a32d192ed03ull);
  for (int i = 0; i < 4; ++i) s[i] = SplitMix64(&x);
}

}  // namespace

const double kLatencyBounds[kLatencyBuckets] = {0.01, 0.025, 0.05, 0.1,
                                                0.25, 0.5,   1,    std::numeric_limits<double>::infinity()};

const EmulatedMetricInfo& GetEmulatedMetric(int metric) { return kMetrics[metric]; }

uint64_t HostEmulator::Rng::Next() {
  // xoshiro256**
  const uint64_t result = std::rotl(s[1] * 5, 7) * 9;
  const uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = std::rotl(s[3], 45);
  return result;
}

double HostEmulator::Rng::Normal() {
  // Four 16-bit uniforms from one draw: sum has variance 4/12.
  uint64_t r = Next();
  double sum = 0;
  for (int i = 0; i < 4; ++i, r >>= 16) sum += static_cast<double>(r & 0xffff) * (1.0 / 65536);
  return (sum - 2.0) * 1.7320508075688772;  // sqrt(3)
}

HostEmulator::HostEmulator(const EmulatorOptions& o, int index) {
  SeedHost(o.seed, index, rng_.s);
  first_ts_ = FirstScrape(o, rng_.Next());
  interval_ms_ = o.interval_ms;
  jitter_ms_ = o.jitter_ms;
  total_scrapes_ = ScrapesOf(o, first_ts_);
  interval_s_ = static_cast<double>(o.interval_ms) / 1000.0;

  role_index_ = kRoleCycle[index % 10];
  const RoleProfile& role = kRoles[role_index_];
  const Region& region = kRegions[index % 3];
  role_ = role.name;
  tz_offset_s_ = region.utc_offset_s;
  char host[32];
  std::snprintf(host, sizeof(host), "%s-%03d", role.name, RoleNumber(index));
  for (int m = 0; m < kNumEmulatedMetrics; ++m) {
    labels_[m] = {
        {"__name__", kMetrics[m].name}, {"host", host}, {"region", region.name}, {"role", role.name}};
    if (kMetrics[m].le) labels_[m].insert(labels_[m].begin() + 2, {"le", kMetrics[m].le});
  }

  // Hosts of a role are alike, not identical.
  cpu_bias_ = 4 * rng_.Normal();
  memory_total_ = role.memory_total;
  rx_base_ = role.rx_bytes_per_s * std::exp(0.3 * rng_.Normal());
  tx_ratio_ = role.tx_ratio * (0.8 + 0.4 * rng_.Uniform());
  rps_base_ = role.requests_per_s * std::exp(0.3 * rng_.Normal());
  memory_frac_ = 0.3 + 0.3 * rng_.Uniform();
  rx_ = std::floor(1e11 + rng_.Uniform() * 9.9e12);
  tx_ = std::floor(rx_ * tx_ratio_ * (0.8 + 0.4 * rng_.Uniform()));
  requests_ = std::floor(rng_.Uniform() * 5e8);

  // The histogram has counted the requests so far, at a middling load.
  uint64_t x = o.seed ^ kLatencyStream;
  SeedHost(SplitMix64(&x), index, latency_rng_.s);
  latency_median_ = role.latency_median_s * std::exp(0.2 * latency_rng_.Normal());
  Observe(requests_, 0.5, 0);
}

void HostEmulator::Observe(double requests, double load, double heavy) {
  double median = latency_median_ * (1 + 0.6 * load + 1.5 * heavy) * std::exp(0.1 * latency_rng_.Normal());
  // Rounding a nondecreasing share keeps the buckets cumulative; +Inf gets them all.
  for (int b = 0; b < kLatencyBuckets; ++b) {
    latency_buckets_[b] += std::round(requests * LatencyShare(kLatencyBounds[b], median));
  }
  double mean = median * std::exp(kLatencySigma * kLatencySigma / 2);
  latency_sum_ = std::round((latency_sum_ + requests * mean) * 1000) / 1000;  // milliseconds
}

void HostEmulator::Next(size_t max_scrapes, HostChunk* chunk) {
  for (auto& v : chunk->samples) v.clear();
  uint64_t n = std::min<uint64_t>(max_scrapes, total_scrapes_ - next_scrape_);
  for (auto& v : chunk->samples) v.reserve(n);
  for (uint64_t k = 0; k < n; ++k, ++next_scrape_) {
    int64_t ts = first_ts_ + static_cast<int64_t>(next_scrape_) * interval_ms_;
    if (jitter_ms_ > 0) ts += static_cast<int64_t>(rng_.Next() % static_cast<uint64_t>(jitter_ms_ + 1));
    Scrape(ts, chunk);
  }
}

void HostEmulator::Scrape(int64_t ts, HostChunk* chunk) {
  const RoleProfile& role = kRoles[role_index_];
  const double dt = interval_s_;
  // Probability that an event with this mean gap happens within one scrape.
  auto chance = [&](double mean_gap_s) { return rng_.Uniform() < std::min(1.0, dt / mean_gap_s); };

  if (chance(kRebootMeanGapS)) {
    rx_ = tx_ = requests_ = 0;
    memory_frac_ = 0.15;
    heavy_ = false;
  } else if (chance(kRestartMeanGapS)) {
    requests_ = 0;
  }
  if (requests_ == 0) {  // the process started again: so did its histogram
    latency_buckets_.fill(0);
    latency_sum_ = 0;
  }
  if (heavy_ ? chance(role.heavy_mean_length_s) : chance(role.heavy_mean_gap_s)) heavy_ = !heavy_;

  // Daily load in the region's local time: quietest at 04:00, busiest at
  // 16:00, with a second harmonic so the curve is not a pure sine.
  double local = std::fmod(static_cast<double>(ts) / 1000.0 + tz_offset_s_, 86400.0);
  if (local < 0) local += 86400.0;
  double hour = local / 3600.0;
  constexpr double kTwoPi = 2 * std::numbers::pi;
  double load = 0.5 - 0.5 * std::cos(kTwoPi * (hour - 4) / 24) + 0.08 * std::sin(2 * kTwoPi * hour / 24);
  if (role.night_shift) load = 1.0 - load;
  double heavy = heavy_ ? 1.0 : 0.0;

  double cpu = role.cpu_base + role.cpu_daily * load + role.cpu_heavy * heavy + cpu_bias_ + 3 * rng_.Normal();
  // An idle host still shows a little CPU, not a flat zero.
  if (cpu < 1) cpu = 0.5 + 0.5 * std::abs(rng_.Normal());
  cpu = std::round(std::min(cpu, 100.0) * 100) / 100;

  double target = (role_index_ == 3 ? 0.75 : 0.35 + 0.2 * load) + 0.2 * heavy;
  memory_frac_ +=
      (target - memory_frac_) * std::min(1.0, dt / 1800) + 0.003 * std::sqrt(dt / 15) * rng_.Normal();
  memory_frac_ = std::clamp(memory_frac_, 0.05, 0.98);
  double memory = std::floor(memory_frac_ * memory_total_ / 4096) * 4096;

  double traffic = (0.15 + 0.85 * load) * (1 + 2 * heavy * (role.night_shift ? 1 : 0));
  rx_ += std::floor(rx_base_ * traffic * std::exp(0.15 * rng_.Normal()) * dt);
  tx_ += std::floor(rx_base_ * tx_ratio_ * traffic * std::exp(0.15 * rng_.Normal()) * dt);

  double expected = rps_base_ * (0.05 + 0.95 * load) * dt;
  double served = std::max(0.0, std::round(expected + std::sqrt(expected) * rng_.Normal()));
  requests_ += served;

  double connections;
  if (nan_gap_left_ > 0) {
    --nan_gap_left_;
    connections = std::bit_cast<double>(kStandardNaNBits);
  } else if (chance(kNanGapMeanGapS)) {
    nan_gap_left_ = 1 + static_cast<int>(rng_.Next() % 19);  // 2..20 scrapes with this one
    connections = std::bit_cast<double>(kStandardNaNBits);
  } else {
    double c = 0;
    switch (role_index_) {
      case 0: c = 8 + 30 * load + 2 * rng_.Normal(); break;
      case 1: c = 40 + 180 * load + 8 * rng_.Normal(); break;
      case 2: c = 2 + 12 * heavy + rng_.Normal(); break;
      default: c = 4 + 3 * load + rng_.Normal(); break;
    }
    connections = std::max(0.0, std::round(c));
  }

  Observe(served, load, heavy);

  double values[kNumEmulatedMetrics] = {cpu, memory, rx_, tx_, requests_, heavy, connections};
  for (int b = 0; b < kLatencyBuckets; ++b) values[kLatencyBucketFirst + b] = latency_buckets_[b];
  values[kLatencySum] = latency_sum_;
  values[kLatencyCount] = requests_;
  for (int m = 0; m < kNumEmulatedMetrics; ++m) chunk->samples[m].push_back(Sample{ts, values[m]});
}

Status ValidateEmulatorOptions(const EmulatorOptions& o) {
  if (o.hosts < 1) return Status::InvalidArgument("--hosts must be at least 1");
  if (o.hosts > 1'000'000) return Status::InvalidArgument("--hosts must be at most 1000000");
  if (o.interval_ms < 1) return Status::InvalidArgument("--interval must be positive");
  if (o.jitter_ms < 0 || o.jitter_ms >= o.interval_ms) {
    return Status::InvalidArgument("--jitter must be at least 0 and shorter than --interval");
  }
  if (o.end_ms <= o.start_ms) return Status::InvalidArgument("the time range is empty");
  return Status::OK();
}

uint64_t EmulatedSampleCount(const EmulatorOptions& o) {
  uint64_t scrapes = 0;
  for (int h = 0; h < o.hosts; ++h) {
    HostEmulator::Rng rng;
    SeedHost(o.seed, h, rng.s);
    scrapes += ScrapesOf(o, FirstScrape(o, rng.Next()));
  }
  return scrapes * kNumEmulatedMetrics;
}

namespace {
constexpr size_t kChunkScrapes = 4096;
}  // namespace

Status EmulateToWriter(const EmulatorOptions& options, SampleWriter* writer,
                       const EmulateProgress& progress) {
  OT_RETURN_IF_ERROR(ValidateEmulatorOptions(options));
  HostChunk chunk;
  uint64_t done = 0;
  for (int m = 0; m < kNumEmulatedMetrics; ++m) {
    // The histogram's series are one family: its buckets, sum and count.
    if (m == 0 || kMetrics[m].family.name != kMetrics[m - 1].family.name)
      writer->BeginFamily(kMetrics[m].family);
    for (int h = 0; h < options.hosts; ++h) {
      HostEmulator host(options, h);
      writer->BeginSeries(host.labels(m));
      while (!host.done()) {
        host.Next(kChunkScrapes, &chunk);
        writer->WriteSamples(chunk.samples[m]);
        done += chunk.scrapes();
        if (progress) progress(done);
      }
    }
  }
  return writer->Finish();
}

Status EmulateToDatabase(const EmulatorOptions& options, Database* db, size_t batch_samples,
                         const EmulateProgress& progress) {
  OT_RETURN_IF_ERROR(ValidateEmulatorOptions(options));
  size_t chunk_scrapes = std::clamp<size_t>(batch_samples / kNumEmulatedMetrics, 1, kChunkScrapes);
  HostChunk chunk;
  WriteBatch batch;
  uint64_t done = 0;
  auto flush = [&]() -> Status {
    if (batch.empty()) return Status::OK();
    OT_RETURN_IF_ERROR(db->Write(batch));
    done += batch.num_samples();
    batch.Clear();
    if (progress) progress(done);
    return Status::OK();
  };
  for (int h = 0; h < options.hosts; ++h) {
    HostEmulator host(options, h);
    while (!host.done()) {
      host.Next(chunk_scrapes, &chunk);
      for (int m = 0; m < kNumEmulatedMetrics; ++m) batch.Add(host.labels(m), chunk.samples[m]);
      if (batch.num_samples() >= batch_samples) OT_RETURN_IF_ERROR(flush());
    }
  }
  return flush();
}

Status EmulateInWindows(const EmulatorOptions& options, size_t window_scrapes,
                        const std::function<Status(const std::vector<HostEmulator>& hosts,
                                                   const std::vector<HostChunk>& chunks)>& send) {
  OT_RETURN_IF_ERROR(ValidateEmulatorOptions(options));
  std::vector<HostEmulator> hosts;
  hosts.reserve(static_cast<size_t>(options.hosts));
  for (int h = 0; h < options.hosts; ++h) hosts.emplace_back(options, h);
  std::vector<HostChunk> chunks(hosts.size());
  for (;;) {
    bool any = false;
    for (size_t h = 0; h < hosts.size(); ++h) {
      hosts[h].Next(window_scrapes, &chunks[h]);
      any |= chunks[h].scrapes() > 0;
    }
    if (!any) return Status::OK();
    OT_RETURN_IF_ERROR(send(hosts, chunks));
  }
}

}  // namespace overtone::adapters
