// promql_catalogue_bench: a broad catalogue of small PromQL queries, every
// construct we support, as range queries over overtone's HTTP query API and
// a real Prometheus 2.42's on the same data in the same run.
//
//   promql_catalogue_bench [--runs 7] [--filter TEXT | --query PROMQL] [--no-prometheus] [--dir PARENT]
//   [--keep]
//
// --filter runs the catalogue's queries that contain TEXT, --query one query
// of your own (e.g. under callgrind, to profile it).
//
// HOW IT WORKS
// A few demo targets in the manner of the PromQL compliance suite's data
// (3 instances of 2 jobs: CPU counters per mode, memory gauges per type, CPU
// counts, disk usage and size, request-duration histograms, up), one sample
// every 15 s for an hour, are written as OpenMetrics; overtone imports the
// file and serves it with its HttpServer in this process, Prometheus gets it
// through promtool (bench/prometheus_peer.h). Every query is a range query
// over the last 10 minutes at 10 s steps (61 steps), sent --runs times to
// each server in turn after one warm-up; the table shows the median
// latency of each, the ratio Prometheus / overtone (above 1: overtone is
// faster), the same for CPU time (below), and whether the answers agree
// (the same series, the same steps, values equal to 1e-9 relative, NaN
// equal to NaN; or both an error). Last: the median ratio, how many queries
// are slower than on Prometheus, and the total ratio (sum of Prometheus's
// medians / sum of overtone's).
// Latency includes HTTP and JSON on both sides: the fixed cost of a small
// query is part of what this measures.
// On a loaded machine latency swings with the others' work, so each run also
// measures the CPU time each server spent on it, which waits do not inflate:
// the run time of every thread of the server's process (Linux's
// /proc/PID/task/*/schedstat, in ns) before and after the request, without
// the thread that sends it. The table shows the median of each, and the
// summary the same figures as for latency.

#include <httplib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "adapters/formats/importer.h"
#include "adapters/http/server.h"
#include "bench/bench_cli.h"
#include "bench/prometheus_peer.h"
#include "overtone/database.h"

namespace {

using namespace overtone;  // NOLINT: a benchmark's main file
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int64_t kEndS = 1700000000;  // the end of the data (aligned to 10 s)
constexpr int64_t kSpanS = 3600, kIntervalS = 15;

const char* const kQueries[] = {
    // selectors
    "demo_cpu_usage_seconds_total",
    "demo_cpu_usage_seconds_total{mode=\"idle\"}",
    "demo_cpu_usage_seconds_total{mode!=\"idle\"}",
    "demo_cpu_usage_seconds_total{mode=~\"user|system\"}",
    "demo_cpu_usage_seconds_total{mode!~\"user|system\"}",
    "{__name__=~\"demo_memory.*\"}",
    "demo_memory_usage_bytes offset 1m",
    "up",
    "timestamp(demo_num_cpus)",
    // aggregations
    "sum(demo_memory_usage_bytes)",
    "sum by (instance) (demo_memory_usage_bytes)",
    "avg without (type) (demo_memory_usage_bytes)",
    "min by (job) (demo_memory_usage_bytes)",
    "max(demo_memory_usage_bytes)",
    "count by (type) (demo_memory_usage_bytes)",
    "stddev(demo_memory_usage_bytes)",
    "stdvar by (instance) (demo_memory_usage_bytes)",
    "quantile(0.9, demo_memory_usage_bytes)",
    "topk(2, demo_memory_usage_bytes)",
    "bottomk(2, demo_memory_usage_bytes)",
    "count_values(\"cpus\", demo_num_cpus)",
    "group by (instance) (demo_memory_usage_bytes)",
    "sum by (mode) (rate(demo_cpu_usage_seconds_total[1m]))",
    // vector / scalar
    "demo_memory_usage_bytes * 2",
    "1 - demo_disk_usage_bytes / 1e9",
    "demo_memory_usage_bytes > 1e8",
    "demo_memory_usage_bytes > bool 1e8",
    "2 ^ demo_num_cpus",
    "-demo_num_cpus",
    // vector / vector
    "demo_disk_usage_bytes / demo_disk_total_bytes",
    "demo_disk_usage_bytes / on(instance, job) demo_disk_total_bytes",
    "demo_disk_usage_bytes / ignoring(foo) demo_disk_total_bytes",
    "demo_memory_usage_bytes + demo_memory_usage_bytes",
    "rate(demo_cpu_usage_seconds_total[1m]) / on(instance, job) group_left demo_num_cpus",
    "demo_num_cpus * on(instance, job) group_right demo_memory_usage_bytes",
    "rate(demo_cpu_usage_seconds_total[1m]) / ignoring(mode) group_left "
    "sum without (mode) (rate(demo_cpu_usage_seconds_total[1m]))",
    "demo_memory_usage_bytes / on(instance) group_left(job) demo_num_cpus",
    "demo_disk_usage_bytes > demo_disk_total_bytes * 0.5",
    "demo_disk_usage_bytes > bool on(instance, job) demo_disk_total_bytes * 0.5",
    "demo_memory_usage_bytes == on(instance, job, type) demo_memory_usage_bytes",
    "demo_memory_usage_bytes != ignoring(type) group_left demo_num_cpus",
    "demo_memory_usage_bytes < bool ignoring(type) group_left demo_disk_usage_bytes",
    "demo_memory_usage_bytes + on(instance) demo_memory_usage_bytes",
    "demo_num_cpus + on(job) demo_num_cpus",
    // set operators
    "demo_memory_usage_bytes and demo_memory_usage_bytes > 2e8",
    "demo_cpu_usage_seconds_total and on(mode) demo_cpu_usage_seconds_total{instance=\"demo-0:10000\"}",
    "demo_memory_usage_bytes or demo_disk_usage_bytes",
    "demo_cpu_usage_seconds_total unless demo_cpu_usage_seconds_total{mode=\"idle\"}",
    "demo_cpu_usage_seconds_total unless ignoring(mode) demo_num_cpus",
    "up or on() vector(0)",
    // range functions
    "rate(demo_cpu_usage_seconds_total[1m])",
    "irate(demo_cpu_usage_seconds_total[1m])",
    "increase(demo_cpu_usage_seconds_total[5m])",
    "delta(demo_memory_usage_bytes[1m])",
    "idelta(demo_memory_usage_bytes[1m])",
    "deriv(demo_memory_usage_bytes[5m])",
    "predict_linear(demo_memory_usage_bytes[5m], 600)",
    "resets(demo_cpu_usage_seconds_total[5m])",
    "changes(demo_memory_usage_bytes[5m])",
    "avg_over_time(demo_memory_usage_bytes[5m])",
    "min_over_time(demo_memory_usage_bytes[1m])",
    "max_over_time(demo_memory_usage_bytes[1m])",
    "sum_over_time(demo_memory_usage_bytes[1m])",
    "count_over_time(demo_memory_usage_bytes[1m])",
    "quantile_over_time(0.5, demo_memory_usage_bytes[5m])",
    "stddev_over_time(demo_memory_usage_bytes[5m])",
    "last_over_time(demo_memory_usage_bytes[1m])",
    "present_over_time(demo_memory_usage_bytes[1m])",
    "absent_over_time(nonexistent_metric[1m])",
    // other functions
    "abs(-demo_num_cpus)",
    "ceil(demo_memory_usage_bytes / 1e6)",
    "floor(demo_memory_usage_bytes / 1e6)",
    "round(demo_memory_usage_bytes / 1e6, 5)",
    "sqrt(demo_memory_usage_bytes)",
    "exp(demo_num_cpus)",
    "ln(demo_memory_usage_bytes)",
    "log2(demo_memory_usage_bytes)",
    "log10(demo_memory_usage_bytes)",
    "clamp(demo_memory_usage_bytes, 1e8, 3e8)",
    "clamp_min(demo_memory_usage_bytes, 2e8)",
    "clamp_max(demo_memory_usage_bytes, 2e8)",
    "time()",
    "vector(1)",
    "scalar(sum(up))",
    "absent(nonexistent_metric)",
    "label_replace(up, \"port\", \"$1\", \"instance\", \".*:(.*)\")",
    "label_join(up, \"both\", \"/\", \"instance\", \"job\")",
    "sort_desc(demo_memory_usage_bytes)",
    "histogram_quantile(0.9, rate(demo_api_request_duration_seconds_bucket[1m]))",
    "histogram_quantile(0.5, sum by (le) (rate(demo_api_request_duration_seconds_bucket[5m])))",
    "rate(demo_api_request_duration_seconds_sum[1m]) / rate(demo_api_request_duration_seconds_count[1m])",
    // subqueries
    "avg_over_time(rate(demo_cpu_usage_seconds_total[1m])[2m:10s])",
    "max_over_time(deriv(demo_memory_usage_bytes[1m])[5m:1m])",
    "rate(demo_cpu_usage_seconds_total[5m:30s])",
    "min_over_time(sum by (instance) (demo_memory_usage_bytes)[5m:])",
};

struct Args {
  int runs = 7;
  std::string filter;
  std::string query;  // instead of the catalogue
  bool prometheus = true;
  std::string dir;
  bool keep = false;
};

// The data, as OpenMetrics text: deterministic values.
std::string Data() {
  const char* instances[] = {"demo-0:10000", "demo-1:10000", "demo-2:10000"};
  const char* jobs[] = {"demo", "demo", "demo2"};
  const char* modes[] = {"idle", "user", "system", "iowait"};
  const char* types[] = {"buffers", "cached", "free", "used"};
  const char* methods[] = {"GET", "POST"};
  const char* les[] = {"0.1", "0.5", "1", "+Inf"};
  std::string out;
  char line[512];
  auto emit = [&](const std::string& series, double v, int64_t t) {
    std::snprintf(line, sizeof line, "%s %.17g %lld\n", series.c_str(), v, static_cast<long long>(t));
    out += line;
  };
  auto labels = [&](int i, const std::string& extra) {
    return std::string("{instance=\"") + instances[i] + "\",job=\"" + jobs[i] + "\"" + extra + "}";
  };
  const int64_t start = kEndS - kSpanS;
  auto each_time = [&](auto fn) {
    for (int64_t t = start + 7, k = 0; t <= kEndS; t += kIntervalS, ++k) fn(t, k);
  };
  for (int i = 0; i < 3; ++i) {
    for (int m = 0; m < 4; ++m) {
      std::string s = "demo_cpu_usage_seconds_total" + labels(i, std::string(",mode=\"") + modes[m] + "\"");
      double total = 0;
      each_time([&](int64_t t, int64_t k) {
        total += 0.5 + ((k * 7 + i * 3 + m) % 11) * 0.37;
        if (i == 1 && m == 0 && k == 120) total = 3;  // a counter reset
        emit(s, total, t);
      });
    }
  }
  for (int i = 0; i < 3; ++i) {
    for (int ty = 0; ty < 4; ++ty) {
      std::string s = "demo_memory_usage_bytes" + labels(i, std::string(",type=\"") + types[ty] + "\"");
      each_time(
          [&](int64_t t, int64_t k) { emit(s, 1e8 + 5e7 * ty + 1e6 * ((k * 13 + i * 5 + ty) % 17), t); });
    }
  }
  for (int i = 0; i < 3; ++i) {
    each_time([&](int64_t t, int64_t) { emit("demo_num_cpus" + labels(i, ""), 2 + 2 * i, t); });
    each_time([&](int64_t t, int64_t) { emit("up" + labels(i, ""), 1, t); });
    each_time([&](int64_t t, int64_t k) {
      emit("demo_disk_usage_bytes" + labels(i, ""), 4e8 + 1e6 * k + 3e7 * i, t);
    });
    each_time([&](int64_t t, int64_t) { emit("demo_disk_total_bytes" + labels(i, ""), 1e9, t); });
  }
  for (int i = 0; i < 3; ++i) {
    for (int m = 0; m < 2; ++m) {
      std::string method = std::string(",method=\"") + methods[m] + "\"";
      double count[4] = {0, 0, 0, 0}, sum = 0;
      std::vector<std::string> lines;
      each_time([&](int64_t t, int64_t k) {
        double n = 1 + (k + i + m) % 5;
        for (int b = 0; b < 4; ++b) count[b] += n * (b + 1) / 4;
        sum += n * 0.3;
        for (int b = 0; b < 4; ++b) {
          emit("demo_api_request_duration_seconds_bucket" + labels(i, method + ",le=\"" + les[b] + "\""),
               count[b], t);
        }
        emit("demo_api_request_duration_seconds_count" + labels(i, method), count[3], t);
        emit("demo_api_request_duration_seconds_sum" + labels(i, method), sum, t);
      });
    }
  }
  // OpenMetrics wants the samples of one series together: sort the lines
  // by series (stable, so each series' samples stay in time order).
  std::vector<std::string> all;
  size_t p = 0;
  while (p < out.size()) {
    size_t nl = out.find('\n', p);
    all.push_back(out.substr(p, nl - p + 1));
    p = nl + 1;
  }
  std::stable_sort(all.begin(), all.end(), [](const std::string& a, const std::string& b) {
    return a.substr(0, a.find(' ')) < b.substr(0, b.find(' '));
  });
  std::string sorted;
  for (const std::string& l : all) sorted += l;
  return sorted + "# EOF\n";
}

// A range query's answer: per series (its labels' JSON), (ts, value) pairs;
// or an error.
struct Answer {
  bool error = false;
  std::map<std::string, std::vector<std::pair<double, double>>> series;
};

Answer Parse(const httplib::Result& res) {
  Answer a;
  if (!res || res->status != 200) {
    a.error = true;
    return a;
  }
  auto body = nlohmann::json::parse(res->body, nullptr, false);
  if (body.is_discarded() || body.value("status", "") != "success") {
    a.error = true;
    return a;
  }
  const auto& data = body["data"];
  auto number = [](const nlohmann::json& v) { return std::strtod(v.get<std::string>().c_str(), nullptr); };
  if (data["resultType"] == "scalar") {
    a.series["scalar"].push_back({data["result"][0].get<double>(), number(data["result"][1])});
    return a;
  }
  for (const auto& s : data["result"]) {
    auto& points = a.series[s["metric"].dump()];
    for (const auto& v : s["values"]) points.push_back({v[0].get<double>(), number(v[1])});
  }
  return a;
}

bool Same(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (a == b) return true;
  return std::fabs(a - b) <= 1e-9 * std::max(std::fabs(a), std::fabs(b));
}

// Whether the answers agree; when not, `why` says where they part.
bool Agree(const Answer& a, const Answer& b, std::string* why) {
  if (a.error || b.error) {
    *why = a.error ? "overtone failed" : "Prometheus failed";
    return a.error == b.error;
  }
  if (a.series.size() != b.series.size()) {
    *why = std::to_string(a.series.size()) + " series against " + std::to_string(b.series.size());
    return false;
  }
  for (const auto& [k, pa] : a.series) {
    auto it = b.series.find(k);
    if (it == b.series.end() || it->second.size() != pa.size()) {
      *why = "series " + k + (it == b.series.end() ? " only on overtone" : ": not the same steps");
      return false;
    }
    for (size_t i = 0; i < pa.size(); ++i) {
      if (pa[i].first != it->second[i].first || !Same(pa[i].second, it->second[i].second)) {
        char buf[128];
        std::snprintf(buf, sizeof buf, " at %.3f: %.17g against %.17g", pa[i].first, pa[i].second,
                      it->second[i].second);
        *why = "series " + k + buf;
        return false;
      }
    }
  }
  return true;
}

// CPU time (ns) of the threads of process `pid` but `skip_tid`: the sum of
// their run times. Threads that ended are not counted; the servers' workers
// live as long as their pools.
int64_t ProcessCpuNs(pid_t pid, pid_t skip_tid) {
  int64_t total = 0;
  std::error_code ec;
  const fs::path tasks = fs::path("/proc") / std::to_string(pid) / "task";
  for (auto it = fs::directory_iterator(tasks, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    if (it->path().filename() == std::to_string(skip_tid)) continue;
    std::ifstream in(it->path() / "schedstat");
    long long run_ns = 0;
    if (in >> run_ns) total += run_ns;
  }
  return total;
}

struct Cost {
  double ms = 0;      // median latency
  double cpu_us = 0;  // median CPU time of the server
};

// Median latency and server CPU time of `runs` range queries after one
// warm-up, and the last answer.
Cost Measure(httplib::Client& http, pid_t server, const std::string& query, int runs, Answer* answer) {
  // Steps 3 s past the multiples of 10 s, samples 7 s past the multiples of
  // 15 s: no window of a range selector or a subquery begins exactly on a
  // point, where Prometheus 2.42 (windows closed on the left) and 3.x
  // (open, as overtone) would differ.
  httplib::Params params = {{"query", query},
                            {"start", std::to_string(kEndS - 600 + 3)},
                            {"end", std::to_string(kEndS + 3)},
                            {"step", "10"}};
  const pid_t self = static_cast<pid_t>(syscall(SYS_gettid));
  std::vector<double> ms, cpu;
  for (int r = 0; r <= runs; ++r) {
    int64_t cpu0 = ProcessCpuNs(server, self);
    auto t = Clock::now();
    auto res = http.Get("/api/v1/query_range", params, httplib::Headers{});
    double one = std::chrono::duration<double, std::milli>(Clock::now() - t).count();
    int64_t cpu1 = ProcessCpuNs(server, self);
    if (r > 0) {
      ms.push_back(one);
      cpu.push_back(static_cast<double>(cpu1 - cpu0) / 1e3);
    }
    if (r == runs) *answer = Parse(res);
  }
  std::sort(ms.begin(), ms.end());
  std::sort(cpu.begin(), cpu.end());
  return Cost{ms[ms.size() / 2], cpu[cpu.size() / 2]};
}

// The summary of one measure: median ratio, how many slower, total ratio.
struct Tally {
  std::vector<double> ratios;
  double ours = 0, theirs = 0;
  int slower = 0;
  void Add(double o, double t) {
    ours += o;
    theirs += t;
    ratios.push_back(t / o);
    if (t < o) ++slower;
  }
  double Median() {
    std::sort(ratios.begin(), ratios.end());
    return ratios[ratios.size() / 2];
  }
};

int Fail(const char* what, const Status& s) {
  std::fprintf(stderr, "%s: %s\n", what, s.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  Args cfg;
  bench::BenchCli cli("promql_catalogue_bench",
                      "A catalogue of small range queries, every PromQL construct, over overtone's query "
                      "API and Prometheus's on the same data.");
  bench::AddRuns(cli.app(), &cfg.runs);
  CLI::Option* filter =
      cli.app().add_option("--filter", cfg.filter, "only the catalogue's queries that contain TEXT");
  cli.app().add_option("--query", cfg.query, "this PromQL query instead of the catalogue")->excludes(filter);
  bench::AddNoPrometheus(cli.app(), &cfg.prometheus);
  bench::AddDir(cli.app(), &cfg.dir);
  bench::AddKeep(cli.app(), &cfg.keep);
  if (std::optional<int> exit = cli.Parse(argc, argv)) return *exit;
  fs::path parent = cfg.dir.empty() ? fs::temp_directory_path() : fs::path(cfg.dir);
  fs::path dir = parent / ("promql_catalogue_bench." + std::to_string(getpid()));
  fs::create_directories(dir);
  struct Cleanup {
    fs::path dir;
    bool keep;
    ~Cleanup() {
      std::error_code ec;
      if (!keep) fs::remove_all(dir, ec);
    }
  } cleanup{dir, cfg.keep};

  const std::string om = (dir / "demo.om").string();
  {
    std::FILE* f = std::fopen(om.c_str(), "w");
    if (f == nullptr) return Fail("write demo.om", Status::IOError(om));
    std::string data = Data();
    std::fwrite(data.data(), 1, data.size(), f);
    std::fclose(f);
  }
  Options options;
  options.compaction_interval_ms = 0;
  auto db = Database::Open(options, (dir / "overtone").string());
  if (!db.ok()) return Fail("open database", db.status());
  adapters::ImportStats stats;
  if (Status s = adapters::ImportFile(db->get(), om, adapters::ImportOptions{}, &stats); !s.ok()) {
    return Fail("import", s);
  }
  adapters::ServerOptions so;
  so.host = "127.0.0.1";
  so.port = 0;
  adapters::HttpServer server(db->get(), so);
  if (Status s = server.Start(); !s.ok()) return Fail("start server", s);
  std::unique_ptr<bench::PrometheusPeer> prom;
  if (cfg.prometheus && bench::PrometheusPeer::Available()) {
    auto peer = bench::PrometheusPeer::Backfill(om, dir);
    if (!peer.ok()) return Fail("prometheus", peer.status());
    prom = std::move(*peer);
  }
  httplib::Client ours("127.0.0.1", server.port());
  ours.set_read_timeout(60, 0);
  std::unique_ptr<httplib::Client> theirs;
  if (prom) {
    theirs = std::make_unique<httplib::Client>("127.0.0.1", prom->port());
    theirs->set_read_timeout(60, 0);
  }

  std::printf("%9s %9s %7s %8s %8s %7s %-5s  %s\n", "overtone", "prom", "ratio", "cpu_us", "prom_us", "ratio",
              "agree", "query (range 10m at 10s steps; latency ms, server CPU us)");
  Tally latency, cpu;
  int disagree = 0, n = 0;
  double total_ours = 0, total_cpu = 0;
  std::vector<const char*> queries(std::begin(kQueries), std::end(kQueries));
  if (!cfg.query.empty()) queries = {cfg.query.c_str()};
  for (const char* q : queries) {
    if (!cfg.filter.empty() && std::string(q).find(cfg.filter) == std::string::npos) continue;
    ++n;
    Answer a, b;
    Cost mine = Measure(ours, getpid(), q, cfg.runs, &a);
    total_ours += mine.ms;
    total_cpu += mine.cpu_us;
    if (!theirs) {
      std::printf("%9.3f %9s %7s %8.0f %8s %7s %-5s  %s%s\n", mine.ms, "-", "-", mine.cpu_us, "-", "-", "-",
                  q, a.error ? "  (error)" : "");
      continue;
    }
    Cost peer = Measure(*theirs, prom->pid(), q, cfg.runs, &b);
    latency.Add(mine.ms, peer.ms);
    cpu.Add(mine.cpu_us, peer.cpu_us);
    std::string why;
    bool agree = Agree(a, b, &why);
    if (!agree) {
      ++disagree;
      std::fprintf(stderr, "disagree: %s: %s\n", q, why.c_str());
    }
    std::printf("%9.3f %9.3f %6.2fx %8.0f %8.0f %6.2fx %-5s  %s%s\n", mine.ms, peer.ms, peer.ms / mine.ms,
                mine.cpu_us, peer.cpu_us, peer.cpu_us / mine.cpu_us, agree ? "yes" : "NO", q,
                a.error && b.error ? "  (both error)" : "");
    std::fflush(stdout);
  }
  if (theirs && n > 0) {
    std::printf(
        "\n%d queries (Prometheus / overtone: above 1, overtone is faster), %d disagree\n"
        "  latency:    median ratio %.2fx, %d slower than Prometheus, total %.1f ms against %.1f ms = %.2fx\n"
        "  server CPU: median ratio %.2fx, %d slower than Prometheus, total %.1f ms against %.1f ms = "
        "%.2fx\n",
        n, disagree, latency.Median(), latency.slower, latency.ours, latency.theirs,
        latency.theirs / latency.ours, cpu.Median(), cpu.slower, cpu.ours / 1e3, cpu.theirs / 1e3,
        cpu.theirs / cpu.ours);
  } else {
    std::printf("\n%d queries: total %.1f ms, server CPU %.1f ms (no Prometheus)\n", n, total_ours,
                total_cpu / 1e3);
  }
  server.Stop();
  return disagree == 0 ? 0 : 3;
}
