// seal_bench: embedded ingest, sealing and query latency as the series count
// grows.
//
//   seal_bench [--series N[,N...]] [--million] [--samples M] [--batch B]
//              [--queries Q] [--open-tail] [--seed S] [--dir PARENT]
//
// HOW IT WORKS
// For each series count N (1k, 10k and 100k by default; --million adds 1M)
// it opens a fresh database (background compaction off) and measures:
//   new series   the first scrape: one sample of each never-seen series,
//                in batches of B; series created per CPU second of the
//                writing thread.
//   ingest       the M-1 scrapes after it (15 s apart, all in one closed
//                window) written through Database::Write in batches of B
//                samples, one sample per series per batch, as remote write
//                sends them; one thread. "write" counts only the time inside
//                Write(), "write/cpu-s" the writing thread's CPU time in it
//                (what one core does, on a busy machine too), "build+write"
//                also the WriteBatch::Add calls.
//   wr-proc-cpu  every sample written (the first scrape too) per CPU second
//                of the whole process from the first write until RocksDB's
//                background threads are idle again: ingest with its
//                flushes and compactions, which end before sealing starts.
//   query before Q scans of a random series over its whole range, before
//                any sealing: mean and p99 latency.
//   seal         Database::Compact() sealing every sample into segments:
//                samples sealed per second, and per CPU second of the
//                calling thread ("sealed/cpu-s": RocksDB's background flush
//                and compaction are not in it, their wall time is) and of
//                the whole process ("proc-cpu-s": with them, until the
//                background threads are idle again after Compact()).
//   query after  the same Q scans right after Compact(), without a flush or
//                reopen: what a query pays while the deletions that sealing
//                left are still in the memtable.
// --open-tail also writes one sample per series into a later window, left
// open: the background compactor's case, where every sealed series keeps
// raw samples after the cutoff (deleted sample by sample below 256 sealed
// samples, compactor.h) rather than whole runs of series at once.
// Every scan must return M samples (M + 1 with --open-tail), before and
// after; otherwise the benchmark fails. Sealing cost linear in the data shows as a seal rate that
// does not fall as N grows, and "after / before" near or below 1.

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bench/bench_cli.h"
#include "overtone/database.h"
#include "overtone/status.h"
#include "overtone/types.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int64_t kStart = 1700000000000;  // ms; far in the past, so every window is closed
constexpr int64_t kInterval = 15000;       // ms

struct Config {
  std::vector<size_t> series = {1000, 10000, 100000};
  size_t samples = 20;  // per series
  size_t batch = 2000;  // samples per Write
  size_t queries = 2000;
  bool open_tail = false;
  uint64_t seed = 42;
  std::string dir = fs::temp_directory_path().string();
};

// SplitMix64.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  uint64_t Below(uint64_t n) { return Next() % n; }

 private:
  uint64_t state_;
};

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// CPU seconds of the calling thread: on a busy machine, what one core spent.
double ThreadCpuSeconds() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return double(t.tv_sec) + double(t.tv_nsec) * 1e-9;
}

// CPU seconds of every thread of the process (RocksDB's background ones too).
double ProcessCpuSeconds() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return double(t.tv_sec) + double(t.tv_nsec) * 1e-9;
}

void Check(const overtone::Status& s, const char* what) {
  if (s.ok()) return;
  std::fprintf(stderr, "seal_bench: %s: %s\n", what, s.ToString().c_str());
  std::exit(1);
}

// node_exporter-like label sets: 50 per host.
overtone::Labels SeriesLabels(size_t s) {
  const bool gauge = s % 2 == 0;
  overtone::Labels l = {{"__name__", gauge ? "node_cpu_seconds_total" : "node_network_receive_bytes_total"},
                        {"instance", "host-" + std::to_string(s / 50) + ":9100"},
                        {"job", "node"},
                        {gauge ? "cpu" : "device", std::to_string(s % 50)}};
  overtone::NormalizeLabels(&l);
  return l;
}

struct Latency {
  double mean_us = 0, p99_us = 0;
};

// Q full-range scans of random series; every one must return `expect` samples.
Latency Scan(overtone::Database* db, const std::vector<overtone::SeriesId>& ids, size_t queries,
             size_t expect, uint64_t seed) {
  Rng rng(seed);
  std::vector<double> us;
  us.reserve(queries);
  for (size_t q = 0; q < queries; ++q) {
    overtone::SeriesId id = ids[rng.Below(ids.size())];
    auto start = Clock::now();
    auto it = db->Scan(id, overtone::kMinTime, overtone::kMaxTime);
    Check(it.status(), "Database::Scan");
    size_t n = 0;
    for (; (*it)->Valid(); (*it)->Next()) ++n;
    Check((*it)->status(), "SampleIterator");
    us.push_back(Seconds(start) * 1e6);
    if (n != expect) {
      std::fprintf(stderr, "seal_bench: series %llu returned %zu samples, expected %zu\n",
                   static_cast<unsigned long long>(id), n, expect);
      std::exit(1);
    }
  }
  Latency l;
  for (double v : us) l.mean_us += v;
  l.mean_us /= double(us.size());
  std::sort(us.begin(), us.end());
  l.p99_us = us[std::min(us.size() - 1, us.size() * 99 / 100)];
  return l;
}

// Waits until RocksDB's background threads are idle: the process's CPU
// time grows by less than the calling thread's plus 10 ms over half a
// second (at most five minutes). Flushes and compactions left by one phase
// are so counted with that phase, not with the next one timed.
void Settle() {
  const auto give_up = Clock::now() + std::chrono::minutes(5);
  while (Clock::now() < give_up) {
    const double proc = ProcessCpuSeconds(), self = ThreadCpuSeconds();
    usleep(500 * 1000);
    if ((ProcessCpuSeconds() - proc) - (ThreadCpuSeconds() - self) < 0.01) return;
  }
}

void RunOne(const Config& c, size_t n) {
  const fs::path dir = fs::path(c.dir) / ("seal_bench." + std::to_string(getpid()) + "." + std::to_string(n));
  fs::remove_all(dir);
  overtone::Options options;
  options.compaction_interval_ms = 0;
  auto opened = overtone::Database::Open(options, dir.string());
  Check(opened.status(), "Database::Open");
  std::unique_ptr<overtone::Database> db = std::move(*opened);

  std::vector<overtone::Labels> labels(n);
  for (size_t s = 0; s < n; ++s) labels[s] = SeriesLabels(s);

  // Ingest: one sample per series per batch, series in order, then the next
  // scrape. The first scrape creates the series and is timed apart.
  Rng rng(c.seed);
  overtone::WriteBatch batch;
  const double ingest_proc_cpu = ProcessCpuSeconds();
  double create_cpu_s = 0, write_s = 0, write_cpu_s = 0, build_write_s = 0;
  for (size_t k = 0; k < c.samples; ++k) {
    const int64_t ts = kStart + int64_t(k) * kInterval;
    auto scrape = Clock::now();
    for (size_t s = 0; s < n; ++s) {
      batch.Add(labels[s], ts + int64_t(s % 1000), double(rng.Below(1000)) / 10);
      if (batch.num_samples() >= c.batch || s + 1 == n) {
        auto w = Clock::now();
        const double cpu = ThreadCpuSeconds();
        Check(db->Write(batch), "Database::Write");
        (k == 0 ? create_cpu_s : write_cpu_s) += ThreadCpuSeconds() - cpu;
        if (k > 0) write_s += Seconds(w);
        batch.Clear();
      }
    }
    if (k > 0) build_write_s += Seconds(scrape);
  }
  // The open window: the one after the next, never sealed here.
  const int64_t span = options.segment_span_ms;
  const int64_t seal_before = (kStart / span + 1) * span;
  if (c.open_tail) {
    for (size_t s = 0; s < n; ++s) {
      batch.Add(labels[s], seal_before + span + int64_t(s % 1000), 1);
      if (batch.num_samples() >= c.batch || s + 1 == n) {
        Check(db->Write(batch), "Database::Write");
        batch.Clear();
      }
    }
  }
  const size_t expect = c.samples + (c.open_tail ? 1 : 0);
  const double total = double(n * c.samples), steady = double(n * (c.samples - 1));
  // Ingest's flushes and compactions are ingest's: done before sealing starts.
  Settle();
  const double ingest_proc_cpu_s = ProcessCpuSeconds() - ingest_proc_cpu;

  std::vector<overtone::SeriesId> ids;
  ids.reserve(n);
  for (const auto& l : labels) {
    auto id = db->FindSeries(l);
    Check(id.status(), "Database::FindSeries");
    ids.push_back(*id);
  }
  const Latency before = Scan(db.get(), ids, c.queries, expect, c.seed + 1);

  auto seal = Clock::now();
  const double seal_cpu = ThreadCpuSeconds(), seal_proc_cpu = ProcessCpuSeconds();
  auto stats = db->Compact(c.open_tail ? seal_before : overtone::kMaxTime);
  Check(stats.status(), "Database::Compact");
  const double seal_s = Seconds(seal), seal_cpu_s = ThreadCpuSeconds() - seal_cpu;
  if (stats->samples_sealed != n * c.samples) {
    std::fprintf(stderr, "seal_bench: sealed %llu samples, expected %zu\n",
                 static_cast<unsigned long long>(stats->samples_sealed), n * c.samples);
    std::exit(1);
  }
  const double scan_cpu = ThreadCpuSeconds();
  const Latency after = Scan(db.get(), ids, c.queries, expect, c.seed + 1);
  const double after_scan_cpu_s = ThreadCpuSeconds() - scan_cpu;
  // The flushes and compactions sealing started count with it, whether
  // Compact() waited for them or not; the scans above do not.
  Settle();
  const double seal_proc_cpu_s = ProcessCpuSeconds() - seal_proc_cpu - after_scan_cpu_s;

  std::printf(
      "%9zu %12.0f %12.0f %12.0f %12.0f %12.0f %12.0f %12.0f %12.0f %10.1f %10.1f %10.1f %10.1f %8.2f\n", n,
      double(n) / create_cpu_s, steady / write_s, steady / write_cpu_s, steady / build_write_s,
      total / ingest_proc_cpu_s, total / seal_s, total / seal_cpu_s, total / seal_proc_cpu_s, before.mean_us,
      before.p99_us, after.mean_us, after.p99_us, after.mean_us / before.mean_us);
  std::fflush(stdout);
  db.reset();
  fs::remove_all(dir);
}

}  // namespace

int main(int argc, char** argv) {
  Config c;
  overtone::bench::BenchCli cli(
      "seal_bench", "Embedded ingest, sealing throughput and query latency before and after sealing.");
  CLI::App& app = cli.app();
  app.add_option("--series", c.series, "series counts, one run each (N[,N...])")
      ->delimiter(',')
      ->check(overtone::bench::Number(1));
  bool million = false;
  app.add_flag("--million", million, "also a run of 1,000,000 series");
  app.add_option("--samples", c.samples, "samples per series")->check(overtone::bench::Number(2));
  app.add_option("--batch", c.batch, "samples per Write")->check(overtone::bench::Number(1));
  app.add_option("--queries", c.queries, "scans per query column")->check(overtone::bench::Number(1));
  app.add_flag("--open-tail", c.open_tail, "one more sample per series in a window left open");
  app.add_option("--seed", c.seed, "seed of the generated values");
  overtone::bench::AddDir(app, &c.dir);
  if (std::optional<int> exit = cli.Parse(argc, argv)) return *exit;
  if (million) c.series.push_back(1000000);
  std::printf("%zu samples per series%s, batches of %zu, %zu scans per query column\n", c.samples,
              c.open_tail ? " (+1 in an open window)" : "", c.batch, c.queries);
  std::printf("%9s %12s %12s %12s %12s %12s %12s %12s %12s %10s %10s %10s %10s %8s\n", "series", "new/cpu-s",
              "write/s", "write/cpu-s", "build+wr/s", "wr-proc-cpu", "sealed/s", "sealed/cpu-s", "proc-cpu-s",
              "before us", "before p99", "after us", "after p99", "after/bef");
  for (size_t n : c.series) RunOne(c, n);
  return 0;
}
