// dashboard_bench: the queries Grafana panels send, through overtone's
// Prometheus query API against Prometheus 2.42's own, on the same data in
// the same run.
//
//   dashboard_bench [--hosts 10] [--duration 2h] [--step auto] [--runs 3]
//                   [--only SUBSTRING] [--kind instant|range] [--no-prometheus]
//                   [--dir PARENT] [--keep] [--reuse DIR]
//
//   dashboard_bench --hosts 100 --duration 24h     a day of a 100-host fleet
//   dashboard_bench --hosts 1000 --duration 6h     6 hours of 1,000 hosts
//
// HOW IT WORKS
// An emulated fleet (adapters/emulator/emulator.h: 17 series a host, 15 s
// scrapes, ending 2024-05-01) is written as OpenMetrics, imported into an
// overtone database and sealed into segments as a long-running server has
// it, and backfilled into a Prometheus TSDB with promtool. overtone's
// HttpServer runs in this process on a loopback port; Prometheus in its
// own. Each query below is asked of both over HTTP (GET /api/v1/query at
// the end of the data, or /api/v1/query_range over the whole duration at
// --step, by default duration / 1440 and at least 15 s, as a panel of about
// 1,400 pixels asks), once to warm up and compare, then --runs times; the
// table shows the median ms of each side and the ratio Prometheus ms /
// overtone ms (above 1: overtone faster). Answers must agree (the same
// series, timestamps, and values within 1e-9 relative); a query that
// differs or fails (a timeout) is shown as such, left out of the totals,
// and makes the benchmark exit 1. --keep leaves the data in
// PARENT/dashboard_bench.PID, which --reuse takes instead of making it
// again (the same --hosts and --duration).
//
// Peak RSS: the high-water mark of resident memory over the timed runs of
// each query (reset before each, /proc/PID/clear_refs, so loading does not
// count) of each server process: overtone's database and HttpServer run in
// a child process of their own, so neither side counts the client holding
// the answer; +MiB is how far that peak rose above the process's RSS just
// before the runs (memory an allocator kept from earlier queries counts in
// the peak, not in the rise). The table shows each query's and the last
// lines the highest. CPU: of each server process (/proc/PID/stat, all its
// threads). Faults: the minor page faults of each process a run, the fresh
// pages the allocator asked the kernel for.
//
// The machine may be shared: say so beside any figure.

#include <fcntl.h>
#include <httplib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "adapters/emulator/emulator.h"
#include "adapters/formats/importer.h"
#include "adapters/formats/value_text.h"
#include "adapters/http/server.h"
#include "bench/bench_cli.h"
#include "bench/fleet_file.h"
#include "bench/prometheus_peer.h"
#include "overtone/database.h"

namespace {

namespace fs = std::filesystem;
using namespace overtone;
using Clock = std::chrono::steady_clock;

constexpr int64_t kEnd = 1714521600000;  // 2024-05-01T00:00:00Z: the same data every run

struct Config {
  int hosts = 10;
  std::string duration = "2h";
  std::string step;  // empty: duration / 1440, at least 15 s
  int runs = 3;
  std::string only;
  std::string kind;  // empty: both
  bool prometheus = true;
  std::string dir;
  bool keep = false;
  std::string reuse;
};

struct Query {
  bool range;
  const char* expr;
};

// What a dashboard of the fleet asks: instant queries at the end of the
// data (stat and table panels), range queries over the whole duration
// (graph panels).
const std::vector<Query> kQueries = {
    {false, "cpu_usage_percent"},
    {false, "rate(http_requests_total[5m])"},
    {false, "irate(network_receive_bytes_total[1m])"},
    {false, "increase(http_requests_total[1h])"},
    {false, "avg_over_time(cpu_usage_percent[1h])"},
    {false, "sum by (role) (rate(http_requests_total[5m]))"},
    {false, "topk(5, cpu_usage_percent)"},
    {false, "quantile_over_time(0.95, cpu_usage_percent[1h])"},
    {false, "rate(network_transmit_bytes_total[5m]) / rate(network_receive_bytes_total[5m])"},
    {true, "cpu_usage_percent"},
    {true, "rate(http_requests_total[5m])"},
    {true, "irate(network_receive_bytes_total[5m])"},
    {true, "increase(http_requests_total[1h])"},
    {true, "avg_over_time(cpu_usage_percent[1m])"},
    {true, "avg_over_time(cpu_usage_percent[1h])"},
    {true, "sum by (role) (rate(http_requests_total[5m]))"},
    {true, "avg by (region) (cpu_usage_percent)"},
    {true, "max by (role) (memory_usage_bytes)"},
    {true, "topk(5, rate(http_requests_total[5m]))"},
    {true, "rate(network_transmit_bytes_total[5m]) / rate(network_receive_bytes_total[5m])"},
    {true, "memory_usage_bytes / 2^30"},
    {true, "quantile_over_time(0.95, cpu_usage_percent[10m])"},
    {true, "sum(heavy_task_active)"},
    {true, "avg_over_time(db_connections[5m])"},
    {true, "cpu_usage_percent > 90"},
    // The request-latency histogram's classic buckets: p99 of the fleet and per role.
    {false, "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))"},
    {false, "histogram_quantile(0.99, sum by (le, role) (rate(http_request_duration_seconds_bucket[5m])))"},
    {true, "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))"},
    {true, "histogram_quantile(0.99, sum by (le, role) (rate(http_request_duration_seconds_bucket[5m])))"},
};

// One answer: labels (as JSON text, sorted keys) -> points (ms, value text).
using Points = std::vector<std::pair<int64_t, std::string>>;
using Answer = std::map<std::string, Points>;

int64_t ToMs(const nlohmann::json& t) { return std::llround(t.get<double>() * 1000); }

Result<Answer> ParseAnswer(const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || j.value("status", "") != "success") {
    return Status::Corruption("bad answer: " + body.substr(0, 300));
  }
  Answer a;
  const auto& data = j["data"];
  for (const auto& s : data["result"]) {
    Points& p = a[s["metric"].dump()];
    if (s.contains("value")) p.emplace_back(ToMs(s["value"][0]), s["value"][1].get<std::string>());
    if (s.contains("values")) {
      for (const auto& v : s["values"]) p.emplace_back(ToMs(v[0]), v[1].get<std::string>());
    }
  }
  return a;
}

bool SameValue(const std::string& a, const std::string& b) {
  if (a == b) return true;
  double x = std::strtod(a.c_str(), nullptr), y = std::strtod(b.c_str(), nullptr);
  if (std::isnan(x) || std::isnan(y) || std::isinf(x) || std::isinf(y)) return false;
  return std::abs(x - y) <= 1e-9 * std::max({1.0, std::abs(x), std::abs(y)});
}

// Empty when a and b agree, else what differs first.
std::string Compare(const Answer& ours, const Answer& theirs) {
  if (ours.size() != theirs.size()) {
    return "overtone has " + std::to_string(ours.size()) + " series, Prometheus " +
           std::to_string(theirs.size());
  }
  for (const auto& [labels, points] : ours) {
    auto it = theirs.find(labels);
    if (it == theirs.end()) return "Prometheus has no series " + labels;
    if (points.size() != it->second.size()) {
      return labels + ": overtone has " + std::to_string(points.size()) + " points, Prometheus " +
             std::to_string(it->second.size());
    }
    for (size_t i = 0; i < points.size(); ++i) {
      const auto& [t, v] = points[i];
      const auto& [pt, pv] = it->second[i];
      if (t != pt || !SameValue(v, pv)) {
        return labels + " at " + std::to_string(t) + ": overtone " + v + ", Prometheus " + pv + " at " +
               std::to_string(pt);
      }
    }
  }
  return "";
}

struct Request {
  std::string path;
  httplib::Params params;
};

Request MakeRequest(const Query& q, int64_t start_ms, int64_t end_ms, int64_t step_ms) {
  auto seconds = [](int64_t ms) {
    return std::to_string(ms / 1000) + "." + std::to_string(ms % 1000 + 1000).substr(1);
  };
  if (!q.range) return {"/api/v1/query", {{"query", q.expr}, {"time", seconds(end_ms)}}};
  return {"/api/v1/query_range",
          {{"query", q.expr},
           {"start", seconds(start_ms)},
           {"end", seconds(end_ms)},
           {"step", seconds(step_ms)}}};
}

// One query; *ms is the time to the whole body.
Result<std::string> Ask(httplib::Client& http, const Request& r, double* ms) {
  auto t = Clock::now();
  auto res = http.Get(r.path, r.params, httplib::Headers{});
  *ms = std::chrono::duration<double>(Clock::now() - t).count() * 1000;
  if (!res) return Status::IOError("no answer: " + httplib::to_string(res.error()));
  if (res->status != 200) return Status::Corruption("HTTP " + std::to_string(res->status) + ": " + res->body);
  return std::move(res->body);
}

Result<double> MedianMs(httplib::Client& http, const Request& r, int runs) {
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    double one;
    OT_ASSIGN_OR_RETURN(auto body, Ask(http, r, &one));
    (void)body;
    ms.push_back(one);
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

// The high-water mark of resident memory of process `pid` ("self" for this
// one), in MiB, and its reset (Linux's clear_refs 5).
double StatusMiB(const std::string& pid, const char* field) {
  std::ifstream in("/proc/" + pid + "/status");
  std::string line;
  const size_t n = std::strlen(field);
  while (std::getline(in, line)) {
    if (line.compare(0, n, field) == 0) return std::strtod(line.c_str() + n, nullptr) / 1024;
  }
  return -1;
}
double PeakRssMiB(const std::string& pid) { return StatusMiB(pid, "VmHWM:"); }
// Resident memory of process `pid` now, in MiB.
double RssMiB(const std::string& pid) { return StatusMiB(pid, "VmRSS:"); }
// Field `first` to `last` (1-based, as proc(5) numbers them) of
// /proc/PID/stat, summed; threads that ended included.
double StatFields(const std::string& pid, int first, int last) {
  std::ifstream in("/proc/" + pid + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t close = stat.rfind(')');  // the command name may hold spaces
  if (close == std::string::npos) return 0;
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  double sum = 0;
  for (int i = 3; i <= last && fields >> field; ++i) {
    if (i >= first) sum += std::strtod(field.c_str(), nullptr);
  }
  return sum;
}
// CPU time (user + system) process `pid` has used so far, in ms.
double CpuMs(const std::string& pid) {
  return StatFields(pid, 14, 15) * 1000 / static_cast<double>(sysconf(_SC_CLK_TCK));
}
// Minor page faults of process `pid` so far.
double MinorFaults(const std::string& pid) { return StatFields(pid, 10, 10); }

void ResetPeakRss(const std::string& pid) { std::ofstream("/proc/" + pid + "/clear_refs") << "5"; }

// overtone's database and HttpServer in a child process: Start() forks,
// the child opens (and unless reusing, imports and seals) the database,
// serves it on a loopback port and says so through a pipe; it serves until
// the parent closes its end of the other pipe (or ends).
class ServerProcess {
 public:
  ~ServerProcess() { Stop(); }

  // *samples: the samples imported (unchanged when reusing).
  Status Start(const fs::path& dir, const std::string& om, bool reuse, uint64_t* samples) {
    int ready[2], stop[2];
    // Close-on-exec: a process started later (Prometheus) must not hold
    // the stop pipe open, or the child would never see its end.
    if (pipe2(ready, O_CLOEXEC) != 0 || pipe2(stop, O_CLOEXEC) != 0)
      return Status::IOError(std::strerror(errno));
    pid_ = fork();
    if (pid_ < 0) return Status::IOError(std::string("fork: ") + std::strerror(errno));
    if (pid_ == 0) {
      close(ready[0]);
      close(stop[1]);
      _exit(Serve(dir, om, reuse, ready[1], stop[0]));
    }
    close(ready[1]);
    close(stop[0]);
    stop_ = stop[1];
    std::string line;
    char c;
    while (read(ready[0], &c, 1) == 1 && c != '\n') line.push_back(c);
    close(ready[0]);
    if (line.rfind("ok ", 0) != 0) return Status::Aborted("the server process: " + line);
    unsigned long long got = 0;
    if (std::sscanf(line.c_str(), "ok %d %llu", &port_, &got) != 2) return Status::Aborted(line);
    if (!reuse) *samples = got;
    return Status::OK();
  }

  void Stop() {
    if (stop_ < 0) return;
    close(stop_);
    stop_ = -1;
    int status;
    waitpid(pid_, &status, 0);
  }

  int port() const { return port_; }
  std::string pid() const { return std::to_string(pid_); }

 private:
  // The child: "ok PORT SAMPLES" or the error on `ready`, then serves
  // until `stop` reads end of file.
  static int Serve(const fs::path& dir, const std::string& om, bool reuse, int ready, int stop) {
    auto say = [ready](const std::string& line) {
      std::string l = line + "\n";
      if (write(ready, l.data(), l.size()) != static_cast<ssize_t>(l.size())) std::perror("dashboard_bench");
    };
    auto fail = [&say](const std::string& what, const Status& s) {
      say(what + ": " + s.ToString());
      return 1;
    };
    Options options;
    options.compaction_interval_ms = 0;
    auto db = Database::Open(options, (dir / "overtone").string());
    if (!db.ok()) return fail("open database", db.status());
    uint64_t samples = 0;
    if (!reuse) {
      adapters::ImportStats stats;
      if (Status s = adapters::ImportFile(db->get(), om, adapters::ImportOptions{}, &stats); !s.ok()) {
        return fail("import", s);
      }
      if (auto sealed = (*db)->Compact(kMaxTime); !sealed.ok()) {
        return fail("seal", sealed.status());
      }
      samples = stats.samples;
    }
    adapters::ServerOptions so;
    so.port = 0;
    adapters::HttpServer server(db->get(), so);
    if (Status s = server.Start(); !s.ok()) return fail("start server", s);
    say("ok " + std::to_string(server.port()) + " " + std::to_string(samples));
    close(ready);
    char c;
    while (read(stop, &c, 1) > 0) {
    }
    server.Stop();
    db->reset();
    return 0;
  }

  pid_t pid_ = -1;
  int stop_ = -1;
  int port_ = 0;
};

// Nothing when the bench should run, else its exit status.
std::optional<int> ParseArgs(int argc, char** argv, Config* c) {
  bench::BenchCli cli("dashboard_bench",
                      "The queries Grafana panels send, overtone's query API against Prometheus's on the "
                      "same data, answers compared.");
  CLI::App& app = cli.app();
  app.add_option("--hosts", c->hosts, "hosts emulated")->check(bench::Number(1));
  app.add_option("--duration", c->duration, "time span of the samples")->check(bench::Duration());
  std::string step = "auto";
  app.add_option("--step", step, "step of range queries (auto: duration / 1440, at least 15s)")
      ->check(bench::Duration("auto"));
  bench::AddRuns(app, &c->runs);
  app.add_option("--only", c->only, "only the queries that contain SUBSTRING");
  app.add_option("--kind", c->kind, "only the instant or only the range queries")
      ->check(CLI::IsMember({"instant", "range"}));
  bench::AddNoPrometheus(app, &c->prometheus);
  bench::AddDir(app, &c->dir);
  bench::AddKeep(app, &c->keep);
  app.add_option("--reuse", c->reuse, "the data an earlier --keep left in DIR (same --hosts, --duration)");
  std::optional<int> exit = cli.Parse(argc, argv);
  if (step != "auto") c->step = step;
  return exit;
}

int Fail(const std::string& what, const Status& s) {
  std::fprintf(stderr, "dashboard_bench: %s: %s\n", what.c_str(), s.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress shows as it goes
  Config cfg;
  if (std::optional<int> exit = ParseArgs(argc, argv, &cfg)) return *exit;
  auto duration = adapters::ParseDurationMs(cfg.duration);
  if (!duration.ok()) return Fail("--duration", duration.status());
  int64_t step_ms = std::max<int64_t>(15000, *duration / 1440 / 1000 * 1000);
  if (!cfg.step.empty()) {
    auto s = adapters::ParseDurationMs(cfg.step);
    if (!s.ok()) return Fail("--step", s.status());
    step_ms = *s;
  }
  adapters::EmulatorOptions eo;
  eo.hosts = cfg.hosts;
  eo.end_ms = kEnd;
  eo.start_ms = kEnd - *duration;
  // The last scrape is before kEnd; queries end at the last whole step.
  const int64_t query_end = kEnd - 1000, query_start = eo.start_ms + step_ms;
  fs::path parent = cfg.dir.empty() ? fs::temp_directory_path() : fs::path(cfg.dir);
  fs::path dir =
      cfg.reuse.empty() ? parent / ("dashboard_bench." + std::to_string(getpid())) : fs::path(cfg.reuse);
  const bool reuse = !cfg.reuse.empty();
  fs::create_directories(dir);

  const std::string om = (dir / "fleet.om").string();
  if (!reuse) {
    if (Status s = bench::WriteFleetOpenMetrics(eo, om); !s.ok()) return Fail("fleet.om", s);
  }
  // The database and its server in a process of their own, as Prometheus
  // is in its own: its CPU and peak RSS are the server's alone, without the
  // client's answers (forked while this process has no other thread).
  uint64_t samples = adapters::EmulatedSampleCount(eo);
  ServerProcess server;
  if (Status s = server.Start(dir, om, reuse, &samples); !s.ok()) return Fail("server", s);

  std::unique_ptr<bench::PrometheusPeer> prom;
  if (cfg.prometheus && bench::PrometheusPeer::Available()) {
    auto peer = reuse ? bench::PrometheusPeer::Serve(dir) : bench::PrometheusPeer::Backfill(om, dir);
    if (!peer.ok()) return Fail("prometheus", peer.status());
    prom = std::move(*peer);
  }
  fs::remove(om);

  httplib::Client ot_http("127.0.0.1", server.port());
  ot_http.set_read_timeout(600, 0);
  std::unique_ptr<httplib::Client> prom_http;
  if (prom) {
    prom_http = std::make_unique<httplib::Client>("127.0.0.1", prom->port());
    prom_http->set_read_timeout(600, 0);
  }

  std::printf(
      "dashboard: %d hosts, %llu series, %llu samples over %s; range queries over all of it at %llds "
      "steps; median of %d runs\n\n",
      cfg.hosts, static_cast<unsigned long long>(cfg.hosts) * adapters::kNumEmulatedMetrics,
      static_cast<unsigned long long>(samples), cfg.duration.c_str(), static_cast<long long>(step_ms / 1000),
      cfg.runs);

  struct Timing {
    const Query* q;
    size_t series = 0;
    double ours = -1, theirs = -1;                // median wall ms
    double ours_cpu = -1, theirs_cpu = -1;        // mean CPU ms of the process a run
    double ours_rss = -1, theirs_rss = -1;        // peak RSS MiB over the runs
    double ours_grew = -1, theirs_grew = -1;      // the peak above the RSS before the runs, MiB
    double ours_faults = -1, theirs_faults = -1;  // mean minor page faults of the process a run
    std::string failure;                          // empty: answered alike
  };
  std::vector<Timing> timings;
  const std::string ot_pid = server.pid(), prom_pid = prom ? std::to_string(prom->pid()) : "";
  double ot_peak = 0, prom_peak = 0, ot_grew = 0, prom_grew = 0, ot_faults = 0, prom_faults = 0;
  // Runs one query on one side: the warm-up's answer, then the median of
  // --runs, during which the peak RSS and the page faults of `pid` are taken.
  auto measure = [&](httplib::Client& http, const Request& r, const std::string& pid, Answer* answer,
                     double* ms, double* cpu_ms, double* rss, double* grew, double* faults) -> Status {
    double warm;
    OT_ASSIGN_OR_RETURN(std::string body, Ask(http, r, &warm));
    OT_ASSIGN_OR_RETURN(*answer, ParseAnswer(body));
    body = std::string();
    ResetPeakRss(pid);
    const double rss0 = RssMiB(pid);
    const double cpu0 = CpuMs(pid), faults0 = MinorFaults(pid);
    OT_ASSIGN_OR_RETURN(*ms, MedianMs(http, r, cfg.runs));
    *cpu_ms = (CpuMs(pid) - cpu0) / cfg.runs;
    *faults = (MinorFaults(pid) - faults0) / cfg.runs;
    *rss = PeakRssMiB(pid);
    *grew = std::max(0.0, *rss - rss0);
    return Status::OK();
  };
  for (const Query& q : kQueries) {
    if (!cfg.only.empty() && std::string(q.expr).find(cfg.only) == std::string::npos) continue;
    if (!cfg.kind.empty() && q.range != (cfg.kind == "range")) continue;
    Request r = MakeRequest(q, query_start, query_end, step_ms);
    Timing t{&q};
    Answer ours, theirs;
    if (Status s = measure(ot_http, r, ot_pid, &ours, &t.ours, &t.ours_cpu, &t.ours_rss, &t.ours_grew,
                           &t.ours_faults);
        !s.ok()) {
      t.failure = "overtone: " + s.ToString();
    }
    t.series = ours.size();
    if (prom) {
      if (Status s = measure(*prom_http, r, prom_pid, &theirs, &t.theirs, &t.theirs_cpu, &t.theirs_rss,
                             &t.theirs_grew, &t.theirs_faults);
          !s.ok()) {
        if (t.failure.empty()) t.failure = "prometheus: " + s.ToString();
      }
      if (t.failure.empty()) {
        t.failure = Compare(ours, theirs);
        if (!t.failure.empty()) t.failure = "answers differ: " + t.failure;
      }
    }
    std::fprintf(stderr, "  %-78s %s\n", q.expr, t.failure.empty() ? "ok" : t.failure.c_str());
    timings.push_back(std::move(t));
  }

  // Wall ms (what a user waits, with whatever else the machine runs) and
  // CPU ms of each process (what the query costs, steadier on a loaded
  // machine); ratios Prometheus / overtone.
  double ours_total = 0, theirs_total = 0, ours_cpu_total = 0, theirs_cpu_total = 0;
  int slower = 0, failed = 0;
  auto cell = [](double v, const char* format = "%.1f") {
    char b[32] = "-";
    if (v >= 0) std::snprintf(b, sizeof b, format, v);
    return std::string(b);
  };
  auto ratio = [](double theirs, double ours) {
    char b[32] = "-";
    if (theirs >= 0 && ours > 0) std::snprintf(b, sizeof b, "%.2fx", theirs / ours);
    return std::string(b);
  };
  std::printf("%-5s %-78s %6s %9s %9s %7s %9s %9s %7s %7s %8s %7s %8s %8s %8s\n", "kind", "query", "series",
              "ot ms", "prom ms", "ratio", "ot cpu", "prom cpu", "ratio", "ot MiB", "prom MiB", "ot +MiB",
              "prom +MiB", "ot flt", "prom flt");
  for (const Timing& t : timings) {
    std::string wall_ratio = ratio(t.theirs, t.ours), cpu_ratio = ratio(t.theirs_cpu, t.ours_cpu);
    if (!t.failure.empty()) {
      ++failed;
      wall_ratio = cpu_ratio = "FAILED";
    } else {
      ours_total += t.ours;
      ours_cpu_total += t.ours_cpu;
      if (t.theirs >= 0) {
        theirs_total += t.theirs;
        theirs_cpu_total += t.theirs_cpu;
        if (t.theirs < t.ours) ++slower;
      }
    }
    std::printf("%-5s %-78s %6zu %9s %9s %7s %9s %9s %7s %7s %8s %7s %8s %8s %8s\n",
                t.q->range ? "range" : "inst", t.q->expr, t.series, cell(t.ours).c_str(),
                cell(t.theirs).c_str(), wall_ratio.c_str(), cell(t.ours_cpu).c_str(),
                cell(t.theirs_cpu).c_str(), cpu_ratio.c_str(), cell(t.ours_rss, "%.0f").c_str(),
                cell(t.theirs_rss, "%.0f").c_str(), cell(t.ours_grew, "%.0f").c_str(),
                cell(t.theirs_grew, "%.0f").c_str(), cell(t.ours_faults, "%.0f").c_str(),
                cell(t.theirs_faults, "%.0f").c_str());
    ot_peak = std::max(ot_peak, t.ours_rss);
    prom_peak = std::max(prom_peak, t.theirs_rss);
    ot_grew = std::max(ot_grew, t.ours_grew);
    prom_grew = std::max(prom_grew, t.theirs_grew);
    if (t.ours_faults > 0) ot_faults += t.ours_faults;
    if (t.theirs_faults > 0) prom_faults += t.theirs_faults;
  }
  const double no = -1;
  std::printf("%-5s %-78s %6s %9s %9s %7s %9s %9s %7s\n", "", "total", "", cell(ours_total).c_str(),
              cell(prom ? theirs_total : no).c_str(), ratio(prom ? theirs_total : no, ours_total).c_str(),
              cell(ours_cpu_total).c_str(), cell(prom ? theirs_cpu_total : no).c_str(),
              ratio(prom ? theirs_cpu_total : no, ours_cpu_total).c_str());
  std::printf("%-5s %-78s %6s %9s %9s %7s\n", "", "peak RSS MiB (server process)", "",
              cell(ot_peak, "%.0f").c_str(), cell(prom ? prom_peak : no, "%.0f").c_str(),
              ratio(prom ? prom_peak : no, ot_peak).c_str());
  std::printf("%-5s %-78s %6s %9s %9s %7s\n", "", "largest growth of RSS during a query's runs, MiB", "",
              cell(ot_grew, "%.0f").c_str(), cell(prom ? prom_grew : no, "%.0f").c_str(),
              ratio(prom ? prom_grew : no, ot_grew).c_str());
  std::printf("%-5s %-78s %6s %9s %9s %7s\n", "", "minor page faults a run, all queries", "",
              cell(ot_faults, "%.0f").c_str(), cell(prom ? prom_faults : no, "%.0f").c_str(),
              ratio(prom ? prom_faults : no, ot_faults).c_str());
  if (prom)
    std::printf("\n%d of %zu queries slower than Prometheus (wall)\n", slower, timings.size() - failed);
  for (const Timing& t : timings) {
    if (!t.failure.empty()) std::printf("FAILED %s: %s\n", t.q->expr, t.failure.c_str());
  }
  std::printf(
      "ratio = Prometheus / overtone (above 1: overtone faster or smaller); cpu = CPU ms of the serving "
      "process a run; MiB = its peak RSS over the runs; +MiB = that peak above its RSS before them; flt = "
      "its minor page faults a run; answers checked "
      "equal.\n%s",
      prom ? "" : "prometheus: not measured (not installed, or --no-prometheus)\n");
  prom_http.reset();
  server.Stop();
  prom.reset();
  if (!cfg.keep && !reuse) fs::remove_all(dir);
  return failed == 0 ? 0 : 1;
}
