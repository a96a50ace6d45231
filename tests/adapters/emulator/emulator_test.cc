// The emulator: same seed, same bytes; the same samples whatever the order
// hosts are generated in; and metrics that behave like a real fleet's.

#include "adapters/emulator/emulator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <bit>
#include <cmath>
#include <map>
#include <set>
#include <string>

#include "adapters/formats/openmetrics_writer.h"
#include "adapters/formats/sample_writer.h"
#include "tests/support/test_util.h"

namespace overtone::adapters {
namespace {

constexpr int64_t kEnd = 1714564800000;  // 2024-05-01T12:00:00Z
constexpr int64_t kHour = 3600 * 1000;

EmulatorOptions Fleet(int hosts, int64_t hours, uint64_t seed = 7, int64_t interval_ms = 15000) {
  EmulatorOptions o;
  o.hosts = hosts;
  o.interval_ms = interval_ms;
  o.end_ms = kEnd;
  o.start_ms = kEnd - hours * kHour;
  o.seed = seed;
  return o;
}

// Everything EmulateToWriter writes, as text.
std::string Emulate(const EmulatorOptions& o) {
  overtone::testing::TempDir dir;
  std::string path = dir.path() + "/out.om";
  {
    auto out = OutputFile::Open(path);
    EXPECT_TRUE(out.ok());
    auto writer = MakeSampleWriter(ExportFormat::kOpenMetrics, out->get(), NanStyle::kLossless);
    EXPECT_TRUE(EmulateToWriter(o, writer.get()).ok());
    EXPECT_TRUE((*out)->Close().ok());
  }
  std::string text;
  FILE* f = std::fopen(path.c_str(), "rb");
  char buf[1 << 16];
  for (size_t n; (n = std::fread(buf, 1, sizeof(buf), f)) > 0;) text.append(buf, n);
  std::fclose(f);
  return text;
}

// Every series' samples, generated host by host.
std::map<Labels, std::vector<Sample>> ByHost(const EmulatorOptions& o) {
  std::map<Labels, std::vector<Sample>> out;
  HostChunk chunk;
  for (int h = 0; h < o.hosts; ++h) {
    HostEmulator host(o, h);
    while (!host.done()) {
      host.Next(1000, &chunk);
      for (int m = 0; m < kNumEmulatedMetrics; ++m) {
        auto& v = out[host.labels(m)];
        v.insert(v.end(), chunk.samples[m].begin(), chunk.samples[m].end());
      }
    }
  }
  return out;
}

TEST(EmulatorTest, SameSeedSameBytesOtherSeedOtherBytes) {
  std::string a = Emulate(Fleet(3, 2));
  EXPECT_EQ(a, Emulate(Fleet(3, 2)));
  EXPECT_NE(a, Emulate(Fleet(3, 2, /*seed=*/8)));
  EXPECT_TRUE(a.starts_with("# TYPE cpu_usage_percent gauge\n"));
  EXPECT_TRUE(a.ends_with("\n# EOF\n"));
}

TEST(EmulatorTest, CountsAndOrderIndependence) {
  EmulatorOptions o = Fleet(6, 3);
  auto by_host = ByHost(o);
  EXPECT_EQ(by_host.size(), 6u * kNumEmulatedMetrics);
  uint64_t n = 0;
  for (const auto& [labels, samples] : by_host) n += samples.size();
  EXPECT_EQ(n, EmulatedSampleCount(o));
  const double metrics = kNumEmulatedMetrics;
  EXPECT_NEAR(static_cast<double>(n), 6 * metrics * 3 * 240, 6 * metrics);

  // Window by window (as remote write sends) gives the same samples.
  std::map<Labels, std::vector<Sample>> by_window;
  ASSERT_TRUE(
      EmulateInWindows(o, 7,
                       [&](const std::vector<HostEmulator>& hosts, const std::vector<HostChunk>& chunks) {
                         for (size_t h = 0; h < hosts.size(); ++h) {
                           for (int m = 0; m < kNumEmulatedMetrics; ++m) {
                             auto& v = by_window[hosts[h].labels(m)];
                             v.insert(v.end(), chunks[h].samples[m].begin(), chunks[h].samples[m].end());
                           }
                         }
                         return Status::OK();
                       })
          .ok());
  EXPECT_EQ(by_window, by_host);
}

TEST(EmulatorTest, LabelsAndRoles) {
  // The 600+ series, and the histogram's 8 buckets, sum and count per host.
  EXPECT_EQ(ByHost(Fleet(100, 1, 1, 600000)).size(), 1700u);
  HostEmulator first(Fleet(10, 1), 0), db(Fleet(10, 1), 5), last(Fleet(10, 1), 9);
  EXPECT_EQ(
      first.labels(kCpuUsage),
      (Labels{
          {"__name__", "cpu_usage_percent"}, {"host", "web-001"}, {"region", "eu-west"}, {"role", "web"}}));
  EXPECT_EQ(GetLabel(db.labels(kDbConnections), "host"), "db-001");
  EXPECT_EQ(GetLabel(last.labels(kHeavyTask), "host"), "cache-001");
  EXPECT_EQ(GetLabel(HostEmulator(Fleet(20, 1), 10).labels(0), "host"), "web-006");
  EXPECT_EQ(first.labels(kLatencyBucketFirst + 2),
            (Labels{{"__name__", "http_request_duration_seconds_bucket"},
                    {"host", "web-001"},
                    {"le", "0.05"},
                    {"region", "eu-west"},
                    {"role", "web"}}));
  EXPECT_EQ(GetLabel(first.labels(kLatencyCount - 2), "le"), "+Inf");
  EXPECT_EQ(GetLabel(first.labels(kLatencyCount), "__name__"), "http_request_duration_seconds_count");
  EXPECT_EQ(GetEmulatedMetric(kLatencySum).family.type, "histogram");
  // Counters' families drop _total, as OpenMetrics names them.
  EXPECT_STREQ(GetEmulatedMetric(kHttpRequests).name, "http_requests_total");
  EXPECT_EQ(GetEmulatedMetric(kHttpRequests).family.name, "http_requests");
  EXPECT_EQ(GetEmulatedMetric(kHttpRequests).family.type, "counter");
  EXPECT_EQ(GetEmulatedMetric(kMemoryUsage).family.unit, "bytes");
}

// 50 hosts for a day at one-minute scrapes: enough for every rare event.
TEST(EmulatorTest, BehavesLikeAFleet) {
  EmulatorOptions o = Fleet(50, 24, 3, 60000);
  o.jitter_ms = 5;
  auto series = ByHost(o);
  int resets = 0, nan_runs = 0, heavy_on = 0, heavy_changes = 0;
  std::set<std::string> roles;
  for (const auto& [labels, samples] : series) {
    std::string_view name = GetLabel(labels, "__name__");
    roles.insert(std::string(GetLabel(labels, "role")));
    ASSERT_GE(samples.size(), 1439u);
    for (size_t i = 0; i < samples.size(); ++i) {
      const Sample& s = samples[i];
      ASSERT_GE(s.ts, o.start_ms);
      ASSERT_LT(s.ts, o.end_ms + o.jitter_ms + 1);
      if (i > 0) {
        int64_t step = s.ts - samples[i - 1].ts;
        ASSERT_GE(step, o.interval_ms - o.jitter_ms);
        ASSERT_LE(step, o.interval_ms + o.jitter_ms);
      }
      double v = s.value;
      bool was_nan = i > 0 && std::isnan(samples[i - 1].value);
      if (name == "db_connections") {
        if (std::isnan(v)) {
          ASSERT_EQ(std::bit_cast<uint64_t>(v), kStandardNaNBits);
          nan_runs += !was_nan;
        } else {
          ASSERT_GE(v, 0);
          ASSERT_EQ(v, std::round(v));
        }
        continue;
      }
      ASSERT_FALSE(std::isnan(v)) << name;
      if (name.starts_with("http_request_duration_seconds")) continue;  // HistogramIsConsistent
      if (name == "cpu_usage_percent") {
        ASSERT_GE(v, 0);
        ASSERT_LE(v, 100);
        ASSERT_EQ(std::round(v * 100) / 100, v);  // 2 decimals
      } else if (name == "memory_usage_bytes") {
        ASSERT_GT(v, 0);
        ASSERT_EQ(std::fmod(v, 4096), 0);
      } else if (name == "heavy_task_active") {
        ASSERT_TRUE(v == 0 || v == 1);
        heavy_on += v == 1;
        heavy_changes += i > 0 && v != samples[i - 1].value;
      } else {  // counters: monotonic except a reset to a small value
        ASSERT_TRUE(name.ends_with("_total")) << name;
        ASSERT_EQ(v, std::round(v));
        if (i > 0 && v < samples[i - 1].value) {
          ++resets;
          ASSERT_LT(v, samples[i - 1].value / 2) << name;
        }
      }
    }
  }
  EXPECT_EQ(roles, (std::set<std::string>{"web", "db", "batch", "cache"}));
  EXPECT_GT(resets, 5);
  EXPECT_GT(nan_runs, 20);
  EXPECT_GT(heavy_on, 100);
  EXPECT_GT(heavy_changes, 20);

  // Daily harmonic: a web host is busier in its afternoon than at night.
  const auto& cpu = series.at(HostEmulator(o, 0).labels(kCpuUsage));  // eu-west, UTC+1
  double night = 0, afternoon = 0;
  int n_night = 0, n_afternoon = 0;
  for (const Sample& s : cpu) {
    int hour = static_cast<int>((s.ts / 1000 + 3600) % 86400 / 3600);
    if (hour >= 2 && hour < 6) night += s.value, ++n_night;
    if (hour >= 14 && hour < 18) afternoon += s.value, ++n_afternoon;
  }
  EXPECT_GT(afternoon / n_afternoon, night / n_night + 20);
}

// Per scrape: buckets cumulative over le, +Inf == _count ==
// http_requests_total; every histogram counter monotonic except when the
// process restarts, and then all of them at once.
TEST(EmulatorTest, HistogramIsConsistent) {
  EmulatorOptions o = Fleet(40, 24, 5, 60000);
  int resets = 0;
  double web_fast = 0, web_all = 0, batch_fast = 0, batch_all = 0;
  HostChunk chunk;
  for (int h = 0; h < o.hosts; ++h) {
    HostEmulator host(o, h);
    std::vector<double> before;
    while (!host.done()) {
      host.Next(100, &chunk);
      for (size_t k = 0; k < chunk.scrapes(); ++k) {
        std::vector<double> now;
        for (int m = kLatencyBucketFirst; m <= kLatencyCount; ++m) now.push_back(chunk.samples[m][k].value);
        now.push_back(chunk.samples[kHttpRequests][k].value);
        for (int b = 1; b < kLatencyBuckets; ++b) ASSERT_LE(now[b - 1], now[b]) << "le " << kLatencyBounds[b];
        for (int b = 0; b < kLatencyBuckets; ++b) ASSERT_EQ(now[b], std::round(now[b]));
        ASSERT_EQ(now[kLatencyBuckets - 1], now[kLatencyBuckets + 1]);  // +Inf == _count
        ASSERT_EQ(now[kLatencyBuckets + 1], now[kLatencyBuckets + 2]);  // _count == http_requests_total
        ASSERT_GE(now[kLatencyBuckets], 0);                             // _sum
        if (!before.empty() && now.back() < before.back()) {
          ++resets;
          for (double v : now) ASSERT_LT(v, before.back() / 2);
        } else if (!before.empty()) {
          for (size_t i = 0; i < now.size(); ++i) ASSERT_GE(now[i], before[i]) << i;
        }
        before = std::move(now);
      }
    }
    // The whole day's requests by latency, per role.
    double fast = before[3], all = before[kLatencyBuckets - 1];  // le="0.1"
    if (host.role() == "web") web_fast += fast, web_all += all;
    if (host.role() == "batch") batch_fast += fast, batch_all += all;
  }
  EXPECT_GT(resets, 3);
  EXPECT_GT(web_fast / web_all, 0.7);      // web answers in tens of milliseconds
  EXPECT_LT(batch_fast / batch_all, 0.1);  // batch requests take a third of a second
  // One family in the file, its TYPE once.
  std::string text = Emulate(Fleet(2, 1));
  size_t at = text.find("# TYPE http_request_duration_seconds histogram\n");
  ASSERT_NE(at, std::string::npos);
  EXPECT_EQ(text.find("# TYPE http_request_duration_seconds", at + 1), std::string::npos);
  EXPECT_NE(text.find("http_request_duration_seconds_bucket{host=\"web-001\",le=\"+Inf\",region=\"eu-west\""),
            std::string::npos);
}

TEST(EmulatorTest, IntoADatabase) {
  overtone::testing::TempDir dir;
  auto db = Database::Open(Options{}, dir.path());
  ASSERT_TRUE(db.ok());
  EmulatorOptions o = Fleet(4, 2);
  uint64_t last_progress = 0;
  ASSERT_TRUE(EmulateToDatabase(o, db->get(), 1000, [&](uint64_t n) { last_progress = n; }).ok());
  EXPECT_EQ(last_progress, EmulatedSampleCount(o));
  EXPECT_EQ((*db)->GetStats().samples_written, EmulatedSampleCount(o));
  for (const auto& [labels, samples] : ByHost(o)) {
    auto id = (*db)->FindSeries(labels);
    ASSERT_TRUE(id.ok());
    auto it = (*db)->Scan(*id, kMinTime, kMaxTime);
    ASSERT_TRUE(it.ok());
    std::vector<Sample> got;
    for (; (*it)->Valid(); (*it)->Next()) got.push_back((*it)->sample());
    EXPECT_EQ(got, samples) << LabelsToString(labels);
  }
}

TEST(EmulatorTest, RejectsBadOptions) {
  EmulatorOptions o = Fleet(0, 1);
  EXPECT_FALSE(ValidateEmulatorOptions(o).ok());
  o = Fleet(1, 1);
  o.jitter_ms = o.interval_ms;
  EXPECT_FALSE(ValidateEmulatorOptions(o).ok());
  o = Fleet(1, 1);
  o.end_ms = o.start_ms;
  EXPECT_FALSE(ValidateEmulatorOptions(o).ok());
}

}  // namespace
}  // namespace overtone::adapters
