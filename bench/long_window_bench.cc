// long_window_bench: every `*_over_time` function over long windows (1 day
// and 7 days), as instant and as range queries, overtone against Prometheus
// 2.42 on the same samples in the same run, both through their HTTP query
// API on loopback.
//
//   long_window_bench [--series 10] [--days 8] [--runs 3] [--no-prometheus]
//
// HOW IT WORKS
// --series gauges at 15 s for --days days (a daily sine with noise at two
// decimals, like a CPU percentage); every fourth series also holds a NaN
// now and then (a ratio of 0/0) and one holds a +Inf. The samples go into
// overtone (then sealed into segments with their summaries) and, as an
// OpenMetrics file, into Prometheus through promtool. Each query runs
// --runs times on each; the median latencies and their ratio are printed
// per query, with overtone's first run beside them (an exact quantile's
// first run sorts each segment's values into memory, later runs reuse
// them: SummaryCache), and the total ratio over all queries (sum of Prometheus's
// medians / sum of overtone's). The answers must agree, as the PromQL
// conformance tests compare them (relative 1e-6, NaN equal to NaN), or the
// benchmark fails. Range queries cover the last day at 6-hour steps. No
// sample lies on a window's edge: Prometheus 2.42's windows include their
// left edge, overtone's (as Prometheus 3's) do not.
// The machine is shared (2 cores): figures move with the load.

#include <httplib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "adapters/formats/sample_writer.h"
#include "adapters/http/server.h"
#include "bench/bench_cli.h"
#include "bench/prometheus_peer.h"
#include "overtone/database.h"

namespace {

namespace fs = std::filesystem;
using namespace overtone;
using Clock = std::chrono::steady_clock;

constexpr int64_t kInterval = 15000;
constexpr int64_t kDay = 86400000;

struct Config {
  int series = 10;
  int days = 8;
  int runs = 3;
  bool prometheus = true;
};

struct SeriesData {
  Labels labels;
  std::vector<Sample> samples;
};

std::vector<SeriesData> Generate(const Config& cfg) {
  std::mt19937_64 rng(11);
  std::normal_distribution<double> noise(0, 2);
  std::vector<SeriesData> out;
  int64_t n = cfg.days * kDay / kInterval;
  for (int s = 0; s < cfg.series; ++s) {
    SeriesData d;
    d.labels = {{"__name__", "cpu_busy"}, {"host", "h" + std::to_string(s)}};
    double phase = static_cast<double>(rng() % 5760);
    for (int64_t i = 0; i < n; ++i) {
      double v = 45 + 30 * std::sin((static_cast<double>(i) + phase) * 2 * M_PI / 5760) + noise(rng);
      v = std::round(std::clamp(v, 0.0, 100.0) * 100) / 100;
      if (s % 4 == 1 && rng() % 2000 == 0) v = std::nan("");
      if (s == 2 && i == n / 2) v = INFINITY;
      // 1 to 3 ms late, as scrapes are: never on a window's edge, where
      // Prometheus 2.x (left-closed windows) and 3.x (left-open) differ.
      d.samples.push_back({i * kInterval + 1 + static_cast<int64_t>(rng() % 3), v});
    }
    out.push_back(std::move(d));
  }
  return out;
}

// One answer: series (labels as JSON) -> (ts, value) points.
using Answer = std::map<std::string, std::vector<std::pair<double, double>>>;

Result<Answer> Query(httplib::Client* http, const std::string& path, const httplib::Params& params,
                     double* ms) {
  auto t = Clock::now();
  auto res = http->Get(path, params, httplib::Headers{});
  *ms = std::chrono::duration<double, std::milli>(Clock::now() - t).count();
  if (!res) return Status::IOError("no response");
  if (res->status != 200) return Status::IOError("HTTP " + std::to_string(res->status) + ": " + res->body);
  auto body = nlohmann::json::parse(res->body, nullptr, false);
  if (body.is_discarded()) return Status::Corruption("bad JSON");
  Answer a;
  for (const auto& r : body["data"]["result"]) {
    auto& points = a[r["metric"].dump()];
    auto add = [&](const nlohmann::json& p) {
      points.emplace_back(p[0].get<double>(), std::strtod(p[1].get<std::string>().c_str(), nullptr));
    };
    if (r.contains("value")) add(r["value"]);
    for (const auto& p : r.value("values", nlohmann::json::array())) add(p);
  }
  return a;
}

// Equal as the PromQL conformance tests compare: relative 1e-6, NaN == NaN.
// On a disagreement, prints the first point that differs.
bool Agree(const Answer& a, const Answer& b, double* worst) {
  if (a.size() != b.size()) {
    std::fprintf(stderr, "%zu series against %zu\n", a.size(), b.size());
    return false;
  }
  for (auto ia = a.begin(), ib = b.begin(); ia != a.end(); ++ia, ++ib) {
    if (ia->first != ib->first || ia->second.size() != ib->second.size()) {
      std::fprintf(stderr, "%s (%zu points) against %s (%zu points)\n", ia->first.c_str(), ia->second.size(),
                   ib->first.c_str(), ib->second.size());
      return false;
    }
    for (size_t i = 0; i < ia->second.size(); ++i) {
      auto [ta, va] = ia->second[i];
      auto [tb, vb] = ib->second[i];
      bool nan = std::isnan(va) || std::isnan(vb);
      double rel = nan || va == vb ? 0 : std::fabs(va - vb) / std::max(std::fabs(va), std::fabs(vb));
      if (ta != tb || (nan && std::isnan(va) != std::isnan(vb)) || !(rel <= 1e-6)) {
        std::fprintf(stderr, "%s: %.17g at %.3f against %.17g at %.3f\n", ia->first.c_str(), va, ta, vb, tb);
        return false;
      }
      *worst = std::max(*worst, rel);
    }
  }
  return true;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int Fail(const std::string& what, const Status& s) {
  std::fprintf(stderr, "long_window_bench: %s: %s\n", what.c_str(), s.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  Config cfg;
  bench::BenchCli cli("long_window_bench",
                      "Every *_over_time over 1-day and 7-day windows, overtone's HTTP API against "
                      "Prometheus's on the same samples.");
  cli.app().add_option("--series", cfg.series, "series written")->check(bench::Number(1));
  cli.app().add_option("--days", cfg.days, "days of samples")->check(bench::Number(2));
  bench::AddRuns(cli.app(), &cfg.runs);
  bench::AddNoPrometheus(cli.app(), &cfg.prometheus);
  if (std::optional<int> exit = cli.Parse(argc, argv)) return *exit;
  fs::path dir = fs::temp_directory_path() / ("overtone-long-window-bench-" + std::to_string(getpid()));
  fs::create_directories(dir);
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{dir};

  std::vector<SeriesData> data = Generate(cfg);
  const int64_t end = cfg.days * kDay;
  Options options;
  options.compaction_interval_ms = 0;
  auto db = Database::Open(options, (dir / "overtone").string());
  if (!db.ok()) return Fail("open", db.status());
  uint64_t samples = 0;
  for (const SeriesData& d : data) {
    WriteBatch b;
    for (const Sample& s : d.samples) b.Add(d.labels, s.ts, s.value);
    samples += d.samples.size();
    Status s = (*db)->Write(b);
    if (!s.ok()) return Fail("write", s);
  }
  if (auto c = (*db)->Compact(end + kDay); !c.ok()) return Fail("compact", c.status());
  adapters::HttpServer server(db->get(), adapters::ServerOptions{.host = "127.0.0.1", .port = 0});
  if (Status s = server.Start(); !s.ok()) return Fail("server", s);

  std::unique_ptr<bench::PrometheusPeer> prom;
  if (cfg.prometheus && bench::PrometheusPeer::Available()) {
    std::string om = (dir / "data.om").string();
    auto out = adapters::OutputFile::Open(om);
    if (!out.ok()) return Fail("open data.om", out.status());
    auto w = adapters::MakeSampleWriter(adapters::ExportFormat::kOpenMetrics, out->get(),
                                        adapters::NanStyle::kPortable);
    w->BeginFamily({"cpu_busy", "gauge", "Busy percentage.", ""});
    for (const SeriesData& d : data) {
      w->BeginSeries(d.labels);
      w->WriteSamples(d.samples);
    }
    Status s = w->Finish();
    if (s.ok()) s = (*out)->Close();
    if (!s.ok()) return Fail("write data.om", s);
    auto peer = bench::PrometheusPeer::Backfill(om, dir);
    if (!peer.ok()) return Fail("prometheus", peer.status());
    prom = std::move(*peer);
  }
  std::printf("dataset: %d series x %lld samples (%d days at 15 s, NaN in every fourth series, one +Inf)\n\n",
              cfg.series, static_cast<long long>(samples / cfg.series), cfg.days);

  const char* fns[] = {"sum_over_time",           "count_over_time",         "avg_over_time",
                       "min_over_time",           "max_over_time",           "stddev_over_time",
                       "stdvar_over_time",        "last_over_time",          "present_over_time",
                       "quantile_over_time(0.5,", "quantile_over_time(0.99,"};
  httplib::Client ours("127.0.0.1", server.port());
  std::unique_ptr<httplib::Client> theirs;
  if (prom) theirs = std::make_unique<httplib::Client>("127.0.0.1", prom->port());
  for (auto* c : {&ours, theirs.get()}) {
    if (c) c->set_read_timeout(300, 0);
  }
  std::printf("%-44s %-7s %12s %12s %9s %14s\n", "query", "kind", "overtone ms", "prom ms", "ratio",
              "overtone 1st");
  double total_ours = 0, total_prom = 0, worst = 0;
  for (const char* window : {"1d", "7d"}) {
    for (const char* fn : fns) {
      std::string f = fn;
      std::string query =
          f.back() == ',' ? f + "cpu_busy[" + window + "])" : f + "(cpu_busy[" + window + "])";
      for (bool range : {false, true}) {
        httplib::Params params = {{"query", query}};
        if (range) {
          params.emplace("start", std::to_string((end - kDay) / 1000));
          params.emplace("end", std::to_string(end / 1000));
          params.emplace("step", "21600");
        } else {
          params.emplace("time", std::to_string(end / 1000));
        }
        const std::string path = range ? "/api/v1/query_range" : "/api/v1/query";
        std::vector<double> ms_ours, ms_prom;
        Answer a_ours, a_prom;
        for (int r = 0; r < cfg.runs; ++r) {
          double ms = 0;
          auto a = Query(&ours, path, params, &ms);
          if (!a.ok()) return Fail("overtone " + query, a.status());
          a_ours = std::move(*a);
          ms_ours.push_back(ms);
          if (!theirs) continue;
          a = Query(theirs.get(), path, params, &ms);
          if (!a.ok()) return Fail("prometheus " + query, a.status());
          a_prom = std::move(*a);
          ms_prom.push_back(ms);
        }
        double mo = Median(ms_ours);
        total_ours += mo;
        if (!theirs) {
          std::printf("%-44s %-7s %12.2f %12s %9s\n", query.c_str(), range ? "range" : "instant", mo, "-",
                      "-");
          continue;
        }
        if (!Agree(a_ours, a_prom, &worst)) {
          return Fail(query, Status::Corruption("overtone and Prometheus disagree"));
        }
        double mp = Median(ms_prom);
        total_prom += mp;
        std::printf("%-44s %-7s %12.2f %12.2f %8.1fx %14.2f\n", query.c_str(), range ? "range" : "instant",
                    mo, mp, mp / mo, ms_ours[0]);
      }
    }
  }
  if (theirs) {
    std::printf(
        "\ntotal: overtone %.1f ms, prometheus %.1f ms: %.1fx (goal 10x); answers agree, largest relative "
        "difference %.1e\n",
        total_ours, total_prom, total_prom / total_ours, worst);
  } else {
    std::printf("\ntotal: overtone %.1f ms; prometheus: not measured (not installed, or --no-prometheus)\n",
                total_ours);
  }
  std::printf(
      "both measured through their HTTP query API on loopback, median of %d runs; the machine is shared\n",
      cfg.runs);
  return 0;
}
