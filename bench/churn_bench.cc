// churn_bench: the series index and the process's memory under churn, and
// the rate of new-series creation, against Prometheus on the same load.
//
//   churn_bench [--series N] [--hours H] [--replace F] [--scrapes S]
//               [--batch B] [--memory-limit BYTES] [--read-back K]
//               [--no-prometheus]
//
// HOW IT WORKS
// N series are active at a time (node_exporter-like labels); every
// simulated hour a fraction F of them (the oldest) is replaced by new ones,
// for H hours: pods rescheduled, deployments rolled. Each hour every active
// series gets S samples (the hour's scrapes), sent by one sender over one
// keep-alive connection as remote write 1.0 requests of B samples, in time
// order, the timestamps ending now. A 429/503 is retried after a pause, as
// Prometheus's queue manager does, and counted.
//
//   overtone    `overtone serve`'s HttpServer in this process, opened with
//               Options::memory_limit_bytes; after each simulated hour the
//               bench runs Compact(hour end - 1 h), the background compactor's
//               job (the clock is simulated, so the bench drives it)
//   prometheus  Debian's prometheus --web.enable-remote-write-receiver
//               (bench/prometheus_peer.h), skipped when not installed; its
//               head is compacted by its own clock, so in a run of minutes
//               it keeps every series of the run in memory: the figure is
//               what Prometheus holds for this load, not a steady state
//
// Printed: per simulated hour the series ever seen, the series in
// overtone's memory, its index bytes, its block cache's (memtables
// included), everything its accountant has charged, the allocator's view
// (bytes allocated, and bytes free but kept: fragmentation and arenas'
// slack) and RSS (this process: server and sender), Prometheus's RSS; at
// the end the peak RSS of both against the limit, the new-series rate (the
// first scrape: every series new) and the ingest rate over the whole run
// (the time spent sending; the work between hours, sealing included, is
// not in it), with their ratios, and overtone's sealing timed apart. Then
// K series spread over the run are read back through Database::Scan: each
// must hold every sample acknowledged for it.
//
// A 1 M active-series run under the 2 GiB limit (long: about an hour with
// Prometheus):
//   churn_bench --series 1000000 --hours 2 --scrapes 2 --replace 0.1
//               --memory-limit 2147483648

#include <malloc.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "adapters/http/server.h"
#include "adapters/prometheus/proto/remote.pb.h"
#include "adapters/prometheus/snappy_block.h"
#include "bench/bench_cli.h"
#include "bench/prometheus_peer.h"
#include "overtone/database.h"
#include "tests/support/http_test_client.h"

namespace {

using namespace overtone;
using Clock = std::chrono::steady_clock;
constexpr int64_t kHourMs = 3600 * 1000;
// A request at a million series on a loaded machine may wait on a memtable
// flush for seconds.
constexpr int kRequestTimeoutMs = 60000;

struct Config {
  int series = 10000;
  int hours = 24;
  double replace = 0.1;
  int scrapes = 4;
  int batch = 2000;
  size_t memory_limit = size_t{2} << 30;
  int read_back = 1000;
  bool prometheus = true;
};

// Series n's label set (a pod of a deployment).
Labels SeriesLabels(int n) {
  return {{"__name__", "container_cpu_usage_seconds_total"},
          {"container", "app"},
          {"job", "kubelet"},
          {"namespace", "prod"},
          {"pod", "app-" + std::to_string(n) + "-7d9f8b6c5d-x2x4z"}};
}

// A field of /proc/PID/status in bytes (VmRSS, VmHWM); 0 when unreadable.
size_t ProcBytes(pid_t pid, const char* field) {
  std::ifstream in("/proc/" + (pid == 0 ? std::string("self") : std::to_string(pid)) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0)
      return std::strtoull(line.c_str() + std::strlen(field) + 1, nullptr, 10) << 10;
  }
  return 0;
}

double MiB(size_t b) { return double(b) / (1 << 20); }

// CPU seconds of every thread of the process (RocksDB's background ones too).
double ProcessCpuSeconds() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return double(t.tv_sec) + double(t.tv_nsec) * 1e-9;
}

// What the hourly Compact() calls did, timed apart from ingest.
struct Sealing {
  uint64_t samples = 0;
  double seconds = 0, process_cpu_s = 0;
};

// What one run measured.
struct Run {
  double first_scrape_s = 0;   // every series new
  double total_s = 0;          // sending only: the work between hours is not in it
  double between_hours_s = 0;  // the work between hours (overtone: sealing, measuring)
  uint64_t samples = 0;
  uint64_t retries = 0;
  uint64_t resent = 0;  // samples sent again after a connection was lost mid-request
  size_t peak_rss = 0;
  bool ok = true;
};

// Sends the whole load to `port`; after each hour calls `hour_done(hour, t_end_ms)`.
template <typename HourDone>
Run Send(const Config& c, int port, int64_t t0, HourDone hour_done) {
  Run run;
  auto conn = testing::HttpConnection::Connect("127.0.0.1", port, kRequestTimeoutMs);
  if (!conn.ok()) {
    std::fprintf(stderr, "connect: %s\n", conn.status().ToString().c_str());
    run.ok = false;
    return run;
  }
  const testing::HttpHeaders headers = {{"Content-Type", "application/x-protobuf"},
                                        {"Content-Encoding", "snappy"},
                                        {"X-Prometheus-Remote-Write-Version", "0.1.0"}};
  const int replaced = std::max(1, int(c.series * c.replace));
  const Clock::time_point start = Clock::now();
  int reconnects = 0;
  int first = 0;
  for (int hour = 0; hour < c.hours; ++hour, first += replaced) {
    for (int scrape = 0; scrape < c.scrapes; ++scrape) {
      const Clock::time_point scrape_start = Clock::now();
      const int64_t ts = t0 + hour * kHourMs + scrape * (kHourMs / c.scrapes);
      for (int from = first; from < first + c.series; from += c.batch) {
        prometheus::WriteRequest req;
        for (int n = from; n < std::min(from + c.batch, first + c.series); ++n) {
          prometheus::TimeSeries* s = req.add_timeseries();
          for (const auto& [name, value] : SeriesLabels(n)) {
            prometheus::Label* l = s->add_labels();
            l->set_name(name);
            l->set_value(value);
          }
          prometheus::Sample* p = s->add_samples();
          p->set_timestamp(ts);
          p->set_value(double(hour * c.scrapes + scrape));
        }
        const std::string body = adapters::SnappyCompress(req.SerializeAsString());
        for (;;) {
          auto r = (*conn)->Request("POST", "/api/v1/write", headers, body);
          if (r.ok() && r->status / 100 == 2) break;
          if (!r.ok() && reconnects++ < 100) {  // the server closed the keep-alive connection: reconnect
            // The request may have been stored before the connection went:
            // sent again, its samples are written twice (the same ones).
            run.resent += req.timeseries_size();
            conn = testing::HttpConnection::Connect("127.0.0.1", port, kRequestTimeoutMs);
            if (conn.ok()) continue;
          }
          if (r.ok() && (r->status == 429 || r->status == 503)) {
            ++run.retries;
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            continue;
          }
          std::fprintf(
              stderr, "write failed: %s\n",
              r.ok() ? (std::to_string(r->status) + " " + r->body).c_str() : r.status().ToString().c_str());
          run.ok = false;
          return run;
        }
        run.samples += req.timeseries_size();
      }
      if (hour == 0 && scrape == 0)
        run.first_scrape_s = std::chrono::duration<double>(Clock::now() - scrape_start).count();
    }
    const Clock::time_point hour_end = Clock::now();
    hour_done(hour, t0 + (hour + 1) * kHourMs);
    run.between_hours_s += std::chrono::duration<double>(Clock::now() - hour_end).count();
  }
  run.total_s = std::chrono::duration<double>(Clock::now() - start).count() - run.between_hours_s;
  return run;
}

// What overtone's process holds after a simulated hour.
struct HourRow {
  uint64_t series_seen = 0, in_memory = 0;
  size_t index = 0, storage = 0, accounted = 0;
  size_t heap_used = 0, heap_free = 0;  // glibc's: allocated, and free but kept
  size_t rss = 0;
};

HourRow MeasureHour(Database* db) {
  HourRow r;
  DatabaseStats s = db->GetStats();
  r.series_seen = s.series;
  r.in_memory = s.series_in_memory;
  r.index = s.index_memory_bytes;
  r.storage = db->memory()->storage_in_use();
  r.accounted = db->memory()->in_use();
  const struct mallinfo2 m = mallinfo2();
  r.heap_used = m.uordblks + m.hblkhd;
  r.heap_free = m.fordblks;
  r.rss = ProcBytes(0, "VmRSS:");
  return r;
}

// Reads back `c.read_back` series spread over every series the run wrote:
// each must hold one sample per scrape of every hour it was active. Returns
// how many fall short.
int ReadBack(Database* db, const Config& c, int64_t t0, int64_t end_ms) {
  const int64_t replaced = std::max(1, int(c.series * c.replace));
  const int64_t total = (c.hours - 1) * replaced + c.series;
  int short_series = 0;
  for (int i = 0; i < c.read_back; ++i) {
    const int n = int(total * i / c.read_back);
    int64_t hours = 0;
    for (int64_t h = 0; h < c.hours; ++h) hours += h * replaced <= n && n < h * replaced + c.series;
    uint64_t got = 0;
    Result<SeriesId> id = db->FindSeries(SeriesLabels(n));
    if (id.ok()) {
      auto it = db->Scan(*id, t0, end_ms);
      if (it.ok())
        for (; (*it)->Valid(); (*it)->Next()) ++got;
    }
    if (got != uint64_t(hours * c.scrapes) && short_series++ < 5)
      std::fprintf(stderr, "series %d: %llu samples read back of %lld acknowledged\n", n,
                   (unsigned long long)got, (long long)(hours * c.scrapes));
  }
  return short_series;
}

// Nothing when the bench should run, else its exit status.
std::optional<int> ParseArgs(int argc, char** argv, Config* c) {
  bench::BenchCli cli("churn_bench",
                      "The series index and RSS over simulated hours of churn under --memory-limit, "
                      "against Prometheus's remote-write receiver on the same load.");
  CLI::App& app = cli.app();
  app.add_option("--series", c->series, "series alive at a time")->check(bench::Number(1));
  app.add_option("--hours", c->hours, "simulated hours")->check(bench::Number(1));
  app.add_option("--replace", c->replace, "fraction of the series replaced each hour")
      ->check(bench::Number(0, 1));
  app.add_option("--scrapes", c->scrapes, "scrapes an hour")->check(bench::Number(1));
  app.add_option("--batch", c->batch, "series per request")->check(bench::Number(1));
  app.add_option("--memory-limit", c->memory_limit, "Options::memory_limit_bytes, in bytes");
  app.add_option("--read-back", c->read_back, "series read back at the end (spread over the run)")
      ->check(bench::Number(0));
  bench::AddNoPrometheus(app, &c->prometheus);
  if (std::optional<int> exit = cli.Parse(argc, argv)) return exit;
  if (c->replace <= 0) return cli.UsageError("--replace: must be above 0");
  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  Config c;
  if (std::optional<int> exit = ParseArgs(argc, argv, &c)) return *exit;
  std::string tmpl = (std::filesystem::temp_directory_path() / "churn_bench.XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) return 1;
  const std::filesystem::path root = tmpl;
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  const int64_t t0 = (now_ms / kHourMs - c.hours) * kHourMs;
  const int replaced = std::max(1, int(c.series * c.replace));
  std::printf(
      "churn_bench: %d active series, %d replaced per simulated hour, %d hours, %d samples per series "
      "per hour, batches of %d, memory limit %.0f MiB\n",
      c.series, replaced, c.hours, c.scrapes, c.batch, MiB(c.memory_limit));
  std::printf("(the machine is shared and may be loaded: compare the ratios, measured in the same run)\n\n");

  // overtone
  Run ot;
  std::vector<HourRow> rows;  // by hour
  std::vector<size_t> prom_rss;
  int read_back_short = 0;
  Sealing sealing;
  {
    Options o;
    o.compaction_interval_ms = 0;  // the bench drives compaction on the simulated clock
    o.memory_limit_bytes = c.memory_limit;
    auto db = Database::Open(o, (root / "overtone").string());
    if (!db.ok()) {
      std::fprintf(stderr, "%s\n", db.status().ToString().c_str());
      return 1;
    }
    adapters::ServerOptions so;
    so.host = "127.0.0.1";
    so.port = 0;
    adapters::HttpServer server(db->get(), so);
    if (!server.Start().ok()) return 1;
    ot = Send(c, server.port(), t0, [&](int, int64_t end_ms) {
      const Clock::time_point seal_start = Clock::now();
      const double seal_cpu = ProcessCpuSeconds();
      Result<CompactionStats> sealed = (*db)->Compact(end_ms - kHourMs);
      sealing.seconds += std::chrono::duration<double>(Clock::now() - seal_start).count();
      sealing.process_cpu_s += ProcessCpuSeconds() - seal_cpu;
      if (sealed.ok()) sealing.samples += sealed->samples_sealed;
      rows.push_back(MeasureHour(db->get()));
    });
    server.Stop();
    ot.peak_rss = ProcBytes(0, "VmHWM:");
    if (ot.ok && c.read_back > 0) {
      read_back_short = ReadBack(db->get(), c, t0, t0 + c.hours * kHourMs);
      std::printf("read back %d series spread over the run: %d short of what was acknowledged\n\n",
                  c.read_back, read_back_short);
      ot.ok = read_back_short == 0;
    }
    const uint64_t written = (*db)->GetStats().samples_written;
    if (ot.ok && (written < ot.samples || written > ot.samples + ot.resent)) {
      std::fprintf(stderr, "overtone wrote %llu samples of %llu acknowledged (%llu sent again)\n",
                   (unsigned long long)written, (unsigned long long)ot.samples,
                   (unsigned long long)ot.resent);
      ot.ok = false;
    }
  }

  // Prometheus
  Run prom;
  bool have_prom = c.prometheus && bench::PrometheusPeer::Available();
  if (have_prom) {
    auto peer = bench::PrometheusPeer::Receiver(root / "prometheus");
    if (!peer.ok()) {
      std::printf("prometheus did not start: %s\n", peer.status().ToString().c_str());
      have_prom = false;
    } else {
      prom = Send(c, (*peer)->port(), t0,
                  [&](int, int64_t) { prom_rss.push_back(ProcBytes((*peer)->pid(), "VmRSS:")); });
      prom.peak_rss = ProcBytes((*peer)->pid(), "VmHWM:");
    }
  }

  std::printf("%5s %11s %10s %8s %8s %10s %9s %9s %9s %10s\n", "hour", "series seen", "in memory", "index",
              "storage", "accounted", "heap used", "heap free", "RSS", "prom RSS");
  std::printf("%5s %11s %10s %8s %8s %10s %9s %9s %9s %10s\n", "", "", "", "MiB", "MiB", "MiB", "MiB", "MiB",
              "MiB", "MiB");
  for (size_t h = 0; h < rows.size(); ++h) {
    if (rows.size() > 12 && h % 4 != 0 && h + 1 != rows.size()) continue;
    const HourRow& r = rows[h];
    std::printf("%5zu %11llu %10llu %8.1f %8.1f %10.1f %9.1f %9.1f %9.1f", h,
                (unsigned long long)r.series_seen, (unsigned long long)r.in_memory, MiB(r.index),
                MiB(r.storage), MiB(r.accounted), MiB(r.heap_used), MiB(r.heap_free), MiB(r.rss));
    if (have_prom && h < prom_rss.size()) std::printf(" %10.1f", MiB(prom_rss[h]));
    std::printf("\n");
  }
  std::printf(
      "\novertone: peak RSS %.1f MiB (limit %.0f MiB, %.0f%% of it); new series %.0f/s; ingest %.0f "
      "samples/s; %llu retries after 429/503; %llu samples sent again after a lost connection\n",
      MiB(ot.peak_rss), MiB(c.memory_limit), 100.0 * double(ot.peak_rss) / double(c.memory_limit),
      c.series / ot.first_scrape_s, ot.samples / ot.total_s, (unsigned long long)ot.retries,
      (unsigned long long)ot.resent);
  // The process's CPU while Compact() ran includes the server's idle threads
  // and RocksDB's background flushes and compactions.
  std::printf(
      "overtone sealing (apart from ingest): %llu samples in %.1f s, %.0f samples/s, %.0f per CPU second "
      "of the process\n",
      (unsigned long long)sealing.samples, sealing.seconds,
      sealing.seconds > 0 ? double(sealing.samples) / sealing.seconds : 0.0,
      sealing.process_cpu_s > 0 ? double(sealing.samples) / sealing.process_cpu_s : 0.0);
  if (have_prom) {
    std::printf("prometheus: peak RSS %.1f MiB; new series %.0f/s; ingest %.0f samples/s\n",
                MiB(prom.peak_rss), c.series / prom.first_scrape_s, prom.samples / prom.total_s);
    std::printf("ratio peak RSS overtone / prometheus: %.2f\n", double(ot.peak_rss) / double(prom.peak_rss));
    std::printf("ratio new-series rate overtone / prometheus: %.2f\n",
                prom.first_scrape_s / ot.first_scrape_s);
    std::printf("ratio churn ingest rate overtone / prometheus: %.2f\n", prom.total_s / ot.total_s);
  } else {
    std::printf("prometheus: not run (%s)\n", c.prometheus ? "not installed" : "--no-prometheus");
  }
  std::filesystem::remove_all(root);
  return ot.ok && (!have_prom || prom.ok) ? 0 : 1;
}
