// remote_write_bench: remote-write ingest throughput over loopback.
//
//   remote_write_bench [--series N] [--scrapes K] [--batch B] [--senders S]
//                      [--v2 | --protocols LIST] [--settle]
//                      [--churn-hours H [--scrapes-per-hour K]]
//                      [--memory-limit BYTES] [--phase-times]
//                      [--prometheus PATH | --no-prometheus] [--dir PARENT]
//
// HOW IT WORKS
// It generates N series scraped K times (15 s apart, ending now): half
// cpu-like gauges, half counters, labels as node_exporter's. The samples are
// cut into remote write 1.0 requests of B samples (one sample per series, as
// Prometheus sends them), snappy-compressed protobuf, all encoded before any
// clock starts. S senders each own N/S of the series and send their
// requests in time order on one keep-alive connection, as Prometheus's
// shards do; a request counts when its 204 arrived.
//
// --v2 also sends the same samples as remote write 2.0 requests (a symbol
// table per request) to a fresh overtone: Prometheus 2.42 has no 2.0
// receiver, so that row is compared with its 1.0 receiver. --protocols
// names the overtone runs and their order ("1,2" is --v2; "2,1" runs 2.0
// first, "2" alone, "1,2,1,2" each twice, the ratios from the last run of
// each), since a run can find the process's heap, the page cache and the
// disk as the run before it left them.
// --settle: after each overtone run, its database's memtables are flushed
// and the bench waits until its background threads are quiet (no flush or
// compaction left, as far as CPU shows), then prints the CPU that took and
// the receiver's CPU a sample with it: work a run defers past its end (a
// large memtable, level-0 files not yet compacted) is then counted.
// --phase-times prints each run's start and end on CLOCK_MONOTONIC, the
// clock of `perf record -k CLOCK_MONOTONIC`, for `perf report --time`.
// --churn-hours H replaces 10% of the series every simulated hour (K
// scrapes, default 4) for H hours, as pods that restart do: a replaced
// series gets a new `pod` label value, and K * H scrapes are sent. Every
// receiver then creates N + (H - 1) * N / 10 series; with --scrapes 1 and no
// churn every sample creates a series (the new-series rate).
//
// --memory-limit opens every overtone database as `overtone serve
// --memory-limit` does (Options::memory_limit_bytes, the server's request
// budget its share of it); a 429/503 is then retried after a pause, as
// Prometheus's queue manager does, and the retries are counted.
//
// In the same run it measures, each on a fresh database:
//   engine direct     the same samples as WriteBatches (built before timing)
//                     written by S threads with Database::Write: the ceiling
//   overtone HTTP     `overtone serve`'s HttpServer, in this process
//   prometheus HTTP   Debian's prometheus --web.enable-remote-write-receiver
//                     (skipped when not installed or with --no-prometheus)
// and prints samples/s, p50/p99 request latency, the senders' share of the
// machine's CPU (over half, and the bench says the load generator is the
// bottleneck), the receiver's CPU microseconds per sample (the receiving
// process's CPU time; for overtone this process's less the senders'), and
// the ratios overtone / engine and overtone / prometheus, by wall clock and
// by receiver CPU per sample. Beside each row it prints the receiver's peak
// resident memory (VmHWM of /proc/PID/status): Prometheus's process from its
// start; for overtone this process's, reset (clear_refs) before the run
// once the engine's WriteBatches are freed, so it includes the encoded
// requests, which the row's "held before" (resident memory at the reset)
// counts with whatever else the process held then.

#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "adapters/http/server.h"
#include "adapters/prometheus/proto/remote.pb.h"
#include "adapters/prometheus/remote_write.h"
#include "adapters/prometheus/snappy_block.h"
#include "bench/bench_cli.h"
#include "overtone/database.h"
#include "overtone/memory.h"
#include "tests/support/http_test_client.h"
#include "tests/support/prom_requests.h"

extern char** environ;

namespace {

using namespace overtone;
using Clock = std::chrono::steady_clock;

struct Config {
  int series = 2000;
  int scrapes = 20;
  int batch = 500;
  int senders = 4;
  bool v2 = false;
  std::vector<int> protocols;  // overtone's runs in order: 1 (1.0), 2 (2.0)
  bool settle = false;
  bool phase_times = false;
  int churn_hours = 0;  // 0: the same series in every scrape
  int scrapes_per_hour = 4;
  size_t memory_limit = 0;  // Options::memory_limit_bytes; 0: none
  std::string prometheus = "/usr/bin/prometheus";
  std::string dir = std::filesystem::temp_directory_path().string();
};

struct Workload {
  std::vector<std::vector<std::string>> bodies;     // per sender, in send order
  std::vector<std::vector<std::string>> v2_bodies;  // the same as 2.0 requests, with --v2
  std::vector<std::vector<WriteBatch>> batches;     // the same, for the engine
  size_t samples = 0;
  size_t bytes = 0;
  size_t v2_bytes = 0;  // the 2.0 requests' bytes on the wire
  size_t series = 0;    // distinct label sets sent
};

Labels SeriesLabels(int s) {
  int host = s / 50, k = s % 50;
  bool gauge = s % 2 == 0;
  return {{"__name__", gauge ? "node_cpu_usage_percent" : "node_network_receive_bytes_total"},
          {"instance", "host-" + std::to_string(host) + ":9100"},
          {"job", "node"},
          {gauge ? "cpu" : "device", std::to_string(k)}};
}

// How often slot s of n was replaced by the start of simulated hour h: 10%
// of the slots each hour, in turn.
int64_t Generation(int s, int n, int hour) {
  const int64_t replaced = int64_t{hour} * (n / 10);
  return replaced > s ? (replaced - 1 - s) / n + 1 : 0;
}

Workload Generate(const Config& c) {
  Workload w;
  w.bodies.resize(c.senders);
  w.v2_bodies.resize(c.senders);
  w.batches.resize(c.senders);
  std::mt19937_64 rng(1);
  std::vector<Labels> labels(c.series);
  std::vector<int64_t> generation(c.series, 0);
  std::vector<double> value(c.series, 0);
  auto labels_of = [&](int s) {
    Labels l = SeriesLabels(s);
    if (c.churn_hours > 0)
      l.push_back({"pod", "pod-" + std::to_string(s) + "-" + std::to_string(generation[s])});
    return l;
  };
  for (int s = 0; s < c.series; ++s) labels[s] = labels_of(s);
  w.series = c.series;
  int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  int64_t t0 = now - int64_t(c.scrapes) * 15000;
  for (int k = 0; k < c.scrapes; ++k) {
    int64_t ts = t0 + int64_t(k) * 15000;
    if (c.churn_hours > 0) {
      const int hour = k / c.scrapes_per_hour;
      for (int s = 0; s < c.series; ++s) {
        const int64_t g = Generation(s, c.series, hour);
        if (g == generation[s]) continue;
        generation[s] = g;
        labels[s] = labels_of(s);
        value[s] = 0;
        ++w.series;
      }
    }
    for (int sender = 0; sender < c.senders; ++sender) {
      prometheus::WriteRequest req;
      testing::V2Builder v2;
      WriteBatch batch;
      auto flush = [&] {
        if (req.timeseries_size() == 0) return;
        std::string raw = req.SerializeAsString();
        w.bodies[sender].push_back(adapters::SnappyCompress(raw));
        w.bytes += w.bodies[sender].back().size();
        if (c.v2) {
          w.v2_bodies[sender].push_back(adapters::SnappyCompress(v2.request().SerializeAsString()));
          w.v2_bytes += w.v2_bodies[sender].back().size();
        }
        w.batches[sender].push_back(std::move(batch));
        batch = WriteBatch();
        req.Clear();
        v2 = testing::V2Builder();
      };
      for (int s = sender; s < c.series; s += c.senders) {
        double& v = value[s];
        v = s % 2 == 0 ? std::round(50 + 40 * std::sin(ts / 3.6e6 + s) + double(rng() % 100) / 10) / 10
                       : v + double(rng() % 100000);
        prometheus::TimeSeries* p = req.add_timeseries();
        for (const Label& l : labels[s]) {
          prometheus::Label* pl = p->add_labels();
          pl->set_name(l.name);
          pl->set_value(l.value);
        }
        prometheus::Sample* smp = p->add_samples();
        smp->set_timestamp(ts);
        smp->set_value(v);
        if (c.v2) {
          testing::LabelList list;
          for (const Label& l : labels[s]) list.emplace_back(l.name, l.value);
          v2.AddSeries(list, {{ts, v}});
        }
        batch.Add(labels[s], ts, v);
        ++w.samples;
        if (req.timeseries_size() >= c.batch) flush();
      }
      flush();
    }
  }
  return w;
}

struct RunResult {
  double seconds = 0;
  double sender_cpu_seconds = 0;  // CPU time of the sending threads themselves
  // CPU time of the receiving process while it ran (for overtone, this
  // process less its senders): steadier than samples/s on a loaded machine.
  double receiver_cpu_seconds = 0;
  double p50_ms = 0, p99_ms = 0;
  size_t errors = 0;
  size_t retries = 0;  // requests answered 429/503 and sent again
  std::string first_error;
  size_t peak_rss_bytes = 0;    // the receiving process's, during the run (0: unknown)
  size_t before_rss_bytes = 0;  // this process's resident memory before the run (overtone only)
  // --settle: the flush and compaction the run left, after it ended.
  double settle_seconds = 0;
  double settle_cpu_seconds = 0;
};

// A field of /proc/PID/status (VmRSS, VmHWM) in bytes, pid 0: this
// process; 0 when unreadable.
size_t ProcStatusBytes(pid_t pid, const char* field) {
  std::ifstream in("/proc/" + (pid == 0 ? std::string("self") : std::to_string(pid)) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0) return std::strtoull(line.c_str() + std::strlen(field), nullptr, 10) << 10;
  }
  return 0;
}

// Starts this process's peak resident memory afresh from its current
// resident memory (Linux's clear_refs 5), which it returns. Memory freed
// before goes back to the system first, so the peak is the run's own.
size_t ResetPeakRss() {
  malloc_trim(0);
  std::ofstream("/proc/self/clear_refs") << "5";
  return ProcStatusBytes(0, "VmRSS:");
}

// CPU seconds the calling thread has used since it started.
double ThreadCpuSeconds() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return double(t.tv_sec) + double(t.tv_nsec) * 1e-9;
}

double Percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, size_t(q * double(v.size())))];
}

// CPU seconds (user and system) process `pid` has used; 0: this process.
double ProcessCpuSeconds(pid_t pid) {
  if (pid == 0) {
    rusage u;
    getrusage(RUSAGE_SELF, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
  }
  std::FILE* f = std::fopen(("/proc/" + std::to_string(pid) + "/stat").c_str(), "r");
  if (f == nullptr) return 0;
  char buf[1024] = {};
  const size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  // After the command's closing parenthesis: state is field 3, utime 14, stime 15.
  const char* p = std::strrchr(buf, ')');
  unsigned long long utime = 0, stime = 0;
  if (n == 0 || p == nullptr ||
      std::sscanf(p + 2, "%*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu %llu", &utime, &stime) != 2)
    return 0;
  return double(utime + stime) / double(sysconf(_SC_CLK_TCK));
}

// Runs one thread per sender over its own list of jobs; fn(sender, i)
// returns "" on success or an error text.
template <typename Fn>
RunResult RunSenders(size_t senders, const std::vector<size_t>& counts, Fn fn) {
  std::vector<std::vector<double>> lat(senders);
  std::vector<size_t> errors(senders, 0);
  std::vector<std::string> first(senders);
  std::vector<double> cpu(senders, 0);
  Clock::time_point start = Clock::now();
  std::vector<std::thread> threads;
  for (size_t t = 0; t < senders; ++t) {
    threads.emplace_back([&, t] {
      // Named, so that a profile of this process can set the load
      // generator apart from the receiver (perf report --comms).
      pthread_setname_np(pthread_self(), "rw-sender");
      for (size_t i = 0; i < counts[t]; ++i) {
        Clock::time_point a = Clock::now();
        std::string err = fn(t, i);
        lat[t].push_back(std::chrono::duration<double, std::milli>(Clock::now() - a).count());
        if (!err.empty() && errors[t]++ == 0) first[t] = err;
      }
      cpu[t] = ThreadCpuSeconds();
    });
  }
  for (auto& th : threads) th.join();
  RunResult r;
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (double c : cpu) r.sender_cpu_seconds += c;
  std::vector<double> all;
  for (size_t t = 0; t < senders; ++t) {
    all.insert(all.end(), lat[t].begin(), lat[t].end());
    r.errors += errors[t];
    if (r.first_error.empty()) r.first_error = first[t];
  }
  r.p50_ms = Percentile(all, 0.50);
  r.p99_ms = Percentile(all, 0.99);
  return r;
}

std::vector<size_t> Counts(const std::vector<std::vector<std::string>>& bodies) {
  std::vector<size_t> c;
  for (const auto& b : bodies) c.push_back(b.size());
  return c;
}
std::vector<size_t> Counts(const Workload& w) { return Counts(w.bodies); }

// Sends w's 1.0 requests, or with `v2` its 2.0 requests, to the receiver
// `receiver_pid` (0: this process).
RunResult SendOverHttp(const Workload& w, int port, pid_t receiver_pid, bool v2 = false) {
  const size_t rss_before = receiver_pid == 0 ? ResetPeakRss() : 0;
  const double cpu_before = ProcessCpuSeconds(receiver_pid);
  const auto& bodies = v2 ? w.v2_bodies : w.bodies;
  std::vector<std::unique_ptr<testing::HttpConnection>> conns(bodies.size());
  const testing::HttpHeaders headers = {{"Content-Type", v2 ? std::string(adapters::kWriteV2ContentType)
                                                            : std::string("application/x-protobuf")},
                                        {"Content-Encoding", "snappy"},
                                        {"X-Prometheus-Remote-Write-Version", v2 ? "2.0.0" : "0.1.0"}};
  std::atomic<size_t> retries{0};
  RunResult result = RunSenders(bodies.size(), Counts(bodies), [&](size_t t, size_t i) -> std::string {
    int lost_connections = 0;
    for (int overloaded = 0; overloaded < 600;) {
      if (!conns[t]) {
        auto c = testing::HttpConnection::Connect("127.0.0.1", port, 30000);
        if (!c.ok()) return c.status().ToString();
        conns[t] = std::move(*c);
      }
      auto r = conns[t]->Request("POST", "/api/v1/write", headers, bodies[t][i]);
      if (!r.ok()) {  // the server closed a keep-alive connection: reconnect
        conns[t].reset();
        if (++lost_connections == 3) return "connection failed three times";
        continue;
      }
      if (r->status / 100 == 2) return "";
      if (r->status != 429 && r->status != 503) return "HTTP " + std::to_string(r->status) + ": " + r->body;
      // Overloaded: nothing of the request was stored; send it again later.
      ++overloaded;
      retries.fetch_add(1, std::memory_order_relaxed);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return "still refused after 600 retries";
  });
  result.retries = retries.load();
  result.receiver_cpu_seconds = ProcessCpuSeconds(receiver_pid) - cpu_before;
  if (receiver_pid == 0) result.receiver_cpu_seconds -= result.sender_cpu_seconds;
  result.peak_rss_bytes = ProcStatusBytes(receiver_pid, "VmHWM:");
  result.before_rss_bytes = rss_before;
  return result;
}

std::unique_ptr<Database> OpenFresh(const Config& c, const std::string& dir) {
  std::filesystem::remove_all(dir);
  Options o;
  o.compaction_interval_ms = 0;
  if (c.memory_limit != 0) {  // as `overtone serve --memory-limit` opens it
    const MemorySplit split = SplitMemoryLimit(c.memory_limit);
    o.memory_limit_bytes = c.memory_limit;
    o.block_cache_bytes = split.storage_bytes;
    o.write_buffer_bytes = split.write_buffer_bytes;
    o.summary_cache_bytes = split.cache_bytes;
  }
  auto db = Database::Open(o, dir);
  if (!db.ok()) {
    std::fprintf(stderr, "remote_write_bench: %s\n", db.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(*db);
}

// The server as `overtone serve` sets it up, on a free port.
adapters::ServerOptions ServerOptionsFor(const Config& c) {
  adapters::ServerOptions o;
  o.port = 0;
  o.SetMemoryLimit(c.memory_limit);
  return o;
}

// Prometheus's own receiver on a free port; pid 0 when it could not start.
pid_t StartPrometheus(const Config& c, const std::string& dir, int* port) {
  std::filesystem::create_directories(dir);
  std::string config = dir + "/prometheus.yml";
  std::FILE* f = std::fopen(config.c_str(), "w");
  std::fputs("global: {scrape_interval: 1h}\n", f);
  std::fclose(f);
  *port = 20000 + int(std::random_device{}() % 30000);
  std::string a1 = "--config.file=" + config, a2 = "--storage.tsdb.path=" + dir + "/data",
              a3 = "--web.listen-address=127.0.0.1:" + std::to_string(*port);
  const char* argv[] = {
      c.prometheus.c_str(), a1.c_str(), a2.c_str(), a3.c_str(), "--web.enable-remote-write-receiver",
      "--log.level=error",  nullptr};
  pid_t pid = 0;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, (dir + "/log").c_str(), O_WRONLY | O_CREAT, 0644);
  if (posix_spawn(&pid, argv[0], &fa, nullptr, const_cast<char**>(argv), environ) != 0) pid = 0;
  posix_spawn_file_actions_destroy(&fa);
  for (int i = 0; pid && i < 300; ++i) {
    auto r = testing::HttpRequest(*port, "GET", "/-/ready", {}, {}, 1000);
    if (r.ok() && r->status == 200) return pid;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (pid) kill(pid, SIGKILL), waitpid(pid, nullptr, 0);
  return 0;
}

// Counts an error unless the database took every sample once and created
// every series (a request retried after a lost reply counts its samples twice).
void CheckStored(Database* db, const Workload& w, RunResult* r) {
  const DatabaseStats st = db->GetStats();
  if (st.samples_written == w.samples && st.series == w.series) return;
  if (r->errors++ == 0) {
    r->first_error = "the database took " + std::to_string(st.samples_written) + " samples into " +
                     std::to_string(st.series) + " series, expected " + std::to_string(w.samples) + " into " +
                     std::to_string(w.series);
  }
}

// over_http: the senders are a load generator (for "engine direct" they are
// the writers themselves, and their CPU is the engine's work).
void Row(const char* name, const Workload& w, const RunResult& r, bool over_http = true) {
  // The senders' share of the machine's CPU while the receiver ran: past
  // half of it, the load generator competes with the receiver for the cores
  // and the figure is the generator's as much as the receiver's.
  const double cores = double(std::max(1u, std::thread::hardware_concurrency()));
  const double share = r.sender_cpu_seconds / (r.seconds * cores);
  std::printf("%-18s %14.0f %10.2f %10.2f %8zu %9.0f%% %12.2f", name, double(w.samples) / r.seconds, r.p50_ms,
              r.p99_ms, r.errors, 100 * share, 1e6 * r.receiver_cpu_seconds / double(w.samples));
  if (r.peak_rss_bytes == 0) {
    std::printf("\n");
  } else if (r.before_rss_bytes == 0) {
    std::printf(" %9.0f\n", double(r.peak_rss_bytes) / (1 << 20));
  } else {
    std::printf(" %9.0f (held before: %.0f)\n", double(r.peak_rss_bytes) / (1 << 20),
                double(r.before_rss_bytes) / (1 << 20));
  }
  if (share > 0.5)
    std::printf("  the load generator is the bottleneck: its senders used over half the CPU\n");
  if (r.settle_seconds > 0 || r.settle_cpu_seconds > 0) {
    std::printf(
        "  settled: flush and compaction after the run %.2f CPU-s in %.1f s; with it %.2f cpu us/smpl\n",
        r.settle_cpu_seconds, r.settle_seconds,
        1e6 * (r.receiver_cpu_seconds + r.settle_cpu_seconds) / double(w.samples));
  }
  if (r.retries) std::printf("  %zu requests answered 429/503 and sent again\n", r.retries);
  if (r.errors) std::printf("  first error: %s\n", r.first_error.c_str());
}

// The flush and compaction `db` still has to do after a run: flushes its
// memtables, then waits until this process's CPU stands still (less than
// 20 ms a second, three seconds in a row: its HTTP server is stopped and
// its senders ended, so only background threads work). The quiet seconds
// are not counted.
void Settle(Database* db, RunResult* r) {
  Clock::time_point start = Clock::now();
  const double cpu_before = ProcessCpuSeconds(0);
  if (Status s = db->Flush(); !s.ok() && r->errors++ == 0) r->first_error = "flush: " + s.ToString();
  double last = ProcessCpuSeconds(0), busy_until = last;
  Clock::time_point busy_at = Clock::now();
  for (int quiet = 0; quiet < 3 && Clock::now() - start < std::chrono::minutes(10);) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    const double now = ProcessCpuSeconds(0);
    if (now - last < 0.02) {
      ++quiet;
    } else {
      quiet = 0;
      busy_until = now;
      busy_at = Clock::now();
    }
    last = now;
  }
  r->settle_cpu_seconds = busy_until - cpu_before;
  r->settle_seconds = std::chrono::duration<double>(busy_at - start).count();
}

double MonotonicSeconds() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return double(t.tv_sec) + double(t.tv_nsec) * 1e-9;
}

// One overtone run: a fresh database at `dir` behind the HttpServer, sent
// w's 1.0 or (v2) 2.0 requests; nothing when the server did not start.
std::optional<RunResult> RunOvertone(const Config& c, const Workload& w, const std::string& dir, bool v2) {
  auto db = OpenFresh(c, dir);
  adapters::ServerOptions o = ServerOptionsFor(c);
  adapters::HttpServer server(db.get(), o);
  if (Status s = server.Start(); !s.ok()) {
    std::fprintf(stderr, "remote_write_bench: %s\n", s.ToString().c_str());
    return std::nullopt;
  }
  const double t0 = MonotonicSeconds();
  RunResult r = SendOverHttp(w, server.port(), 0, v2);
  const double t1 = MonotonicSeconds();
  server.Stop();
  if (c.settle) Settle(db.get(), &r);
  if (c.phase_times) {
    std::printf("  %s run from %.6f to %.6f, settled by %.6f (CLOCK_MONOTONIC)\n", v2 ? "2.0" : "1.0", t0, t1,
                MonotonicSeconds());
  }
  CheckStored(db.get(), w, &r);
  db.reset();
  std::filesystem::remove_all(dir);  // the next run finds the disk without this one's files
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  Config c;
  bench::BenchCli cli("remote_write_bench",
                      "Remote-write ingest over loopback: overtone's server against the engine's direct "
                      "Write against Prometheus's own receiver.");
  CLI::App& app = cli.app();
  app.add_option("--series", c.series, "series in a scrape")->check(bench::Number(1));
  app.add_option("--scrapes", c.scrapes, "scrapes sent")->check(bench::Number(1));
  app.add_option("--batch", c.batch, "samples per request")->check(bench::Number(1));
  app.add_option("--senders", c.senders, "concurrent senders")->check(bench::Number(1));
  CLI::Option* v2_flag = app.add_flag("--v2", c.v2, "also send remote write 2.0 requests (--protocols 1,2)");
  app.add_option(
         "--protocols", c.protocols,
         "overtone's runs in order: 1 (remote write 1.0), 2 (2.0); 2,1 runs 2.0 first; 1,2,1,2 runs each "
         "twice, the ratios from its last run (default: 1)")
      ->delimiter(',')
      ->check(CLI::IsMember({1, 2}))
      ->excludes(v2_flag);
  app.add_flag("--settle", c.settle,
               "after each overtone run, flush and wait for its compaction, and count that CPU too");
  app.add_flag("--phase-times", c.phase_times,
               "print each run's CLOCK_MONOTONIC window (for perf record -k CLOCK_MONOTONIC)");
  app.add_option("--memory-limit", c.memory_limit,
                 "overtone's memory limit in bytes, as serve --memory-limit (0: none)");
  app.add_option("--churn-hours", c.churn_hours, "simulated hours replacing 10% of the series each (0: none)")
      ->check(bench::Number(0));
  app.add_option("--scrapes-per-hour", c.scrapes_per_hour, "scrapes a simulated hour with --churn-hours")
      ->check(bench::Number(1));
  CLI::Option* prometheus = app.add_option("--prometheus", c.prometheus, "the prometheus binary");
  app.add_flag_callback(
         "--no-prometheus", [&c] { c.prometheus.clear(); }, "skip Prometheus (run overtone alone)")
      ->excludes(prometheus);
  bench::AddDir(app, &c.dir);
  if (std::optional<int> exit = cli.Parse(argc, argv)) return *exit;
  if (c.memory_limit != 0 && c.memory_limit < kMinMemoryLimit)
    return cli.UsageError("--memory-limit: must be 0 (none) or at least 32 MiB");
  if (c.churn_hours > 0) c.scrapes = c.churn_hours * c.scrapes_per_hour;
  if (c.protocols.empty()) c.protocols = c.v2 ? std::vector<int>{1, 2} : std::vector<int>{1};
  c.v2 = std::count(c.protocols.begin(), c.protocols.end(), 2) > 0;
  std::string root = c.dir + "/remote_write_bench." + std::to_string(getpid());
  Workload w = Generate(c);
  std::printf(
      "%d series x %d scrapes = %zu samples in %zu requests of <= %d samples "
      "(%.1f bytes/sample on the wire), %d senders\n",
      c.series, c.scrapes, w.samples,
      [&] {
        size_t n = 0;
        for (auto& b : w.bodies) n += b.size();
        return n;
      }(),
      c.batch, double(w.bytes) / double(w.samples), c.senders);
  if (c.v2)
    std::printf("the same as 2.0 requests: %.1f bytes/sample on the wire\n",
                double(w.v2_bytes) / double(w.samples));
  if (c.churn_hours > 0) {
    std::printf(
        "churn: 10%% of the series replaced every %d scrapes (a simulated hour) for %d hours: %zu series\n",
        c.scrapes_per_hour, c.churn_hours, w.series);
  }
  std::printf("%-18s %14s %10s %10s %8s %10s %12s %9s\n", "receiver", "samples/s", "p50 ms", "p99 ms",
              "errors", "sender cpu", "cpu us/smpl", "peak MiB");

  RunResult direct;
  {
    auto db = OpenFresh(c, root + "/direct");
    const double cpu_before = ProcessCpuSeconds(0);
    direct = RunSenders(w.batches.size(), Counts(w), [&](size_t t, size_t i) -> std::string {
      Status s = db->Write(w.batches[t][i]);
      return s.ok() ? "" : s.ToString();
    });
    direct.receiver_cpu_seconds = ProcessCpuSeconds(0) - cpu_before;  // the writers are the engine
  }
  Row("engine direct", w, direct, /*over_http=*/false);
  // Only the engine run sends them: freed, they stay out of the servers' peak memory.
  std::vector<std::vector<WriteBatch>>().swap(w.batches);

  RunResult http, http_v2;
  for (int protocol : c.protocols) {
    const bool v2 = protocol == 2;
    RunResult& r = v2 ? http_v2 : http;
    if (std::optional<RunResult> run = RunOvertone(c, w, root + (v2 ? "/http_v2" : "/http"), v2)) {
      r = *run;
    } else {
      return 1;
    }
    Row(v2 ? "overtone HTTP 2.0" : "overtone HTTP", w, r);
  }
  const bool have_v1 = std::count(c.protocols.begin(), c.protocols.end(), 1) > 0;
  const bool have_v2 = std::count(c.protocols.begin(), c.protocols.end(), 2) > 0;

  RunResult prom;
  bool have_prom = !c.prometheus.empty() && access(c.prometheus.c_str(), X_OK) == 0;
  if (have_prom) {
    int port = 0;
    pid_t pid = StartPrometheus(c, root + "/prometheus", &port);
    if (pid) {
      prom = SendOverHttp(w, port, pid);  // its peak memory read before it ends
      kill(pid, SIGTERM);
      waitpid(pid, nullptr, 0);
      Row("prometheus HTTP", w, prom);
    } else {
      have_prom = false;
      std::printf("%-18s (did not start; see %s/prometheus/log)\n", "prometheus HTTP", root.c_str());
    }
  } else {
    std::printf("%-18s (not run: %s)\n", "prometheus HTTP",
                c.prometheus.empty() ? "--no-prometheus" : "binary not found");
  }

  if (have_v1) std::printf("ratio overtone HTTP / engine direct: %.2f\n", direct.seconds / http.seconds);
  if (have_v2 && !have_v1)
    std::printf("ratio overtone HTTP 2.0 / engine direct: %.2f\n", direct.seconds / http_v2.seconds);
  if (have_prom && have_v1)
    std::printf("ratio overtone HTTP / prometheus HTTP: %.2f\n", prom.seconds / http.seconds);
  if (have_prom && have_v2) {
    std::printf("ratio overtone HTTP 2.0 / prometheus HTTP (1.0): %.2f\n", prom.seconds / http_v2.seconds);
  }
  // The same comparison by the receivers' CPU per sample, which the other
  // processes on a shared machine disturb less than the wall clock.
  if (have_prom && have_v1 && http.receiver_cpu_seconds > 0) {
    std::printf("ratio receiver CPU per sample prometheus / overtone HTTP: %.2f\n",
                prom.receiver_cpu_seconds / http.receiver_cpu_seconds);
  }
  if (have_prom && have_v2 && http_v2.receiver_cpu_seconds > 0) {
    std::printf("ratio receiver CPU per sample prometheus (1.0) / overtone HTTP 2.0: %.2f\n",
                prom.receiver_cpu_seconds / http_v2.receiver_cpu_seconds);
  }
  // With --settle, overtone's CPU including the flush and compaction its
  // run left behind. Prometheus defers work too (its head is compacted into
  // a block only hours later), so this is the stricter figure for overtone.
  if (have_prom && c.settle && have_v1) {
    std::printf("ratio receiver CPU per sample prometheus / overtone HTTP settled: %.2f\n",
                prom.receiver_cpu_seconds / (http.receiver_cpu_seconds + http.settle_cpu_seconds));
  }
  if (have_prom && c.settle && have_v2) {
    std::printf("ratio receiver CPU per sample prometheus (1.0) / overtone HTTP 2.0 settled: %.2f\n",
                prom.receiver_cpu_seconds / (http_v2.receiver_cpu_seconds + http_v2.settle_cpu_seconds));
  }
  std::filesystem::remove_all(root);
  return direct.errors || http.errors || http_v2.errors || (have_prom && prom.errors) ? 1 : 0;
}
