// rule_window_bench: recording rules over `*_over_time` windows, evaluated
// every 15 s while samples arrive. overtone evaluating afresh, overtone with
// standing windows (engine/standing_windows.h), and Prometheus 2.42 running
// the same rule file on the same data, in the same run.
//
//   rule_window_bench [--series N] [--rules R] [--groups G] [--windows 5m,1h,24h]
//                     [--rounds K] [--no-prometheus] [--dir PARENT]
//                     [--only afresh|standing]   (one part alone, for profiles)
//                     [--alerting] [--via-promql]
//
// HOW IT WORKS
// N series `bench_metric{group="gI", instance="iJ"}` (G groups, scraped every
// 15 s, one-decimal gauge values) hold one window length W of history. One
// rule group (interval 15s) holds R recording rules; rule i is
// FN_over_time(bench_metric{group="g<i mod G>"}[W]) with FN cycling through
// avg sum min max stddev count last quantile(0.9). With --alerting each
// rule is what an alert asks instead: `max without (instance) (CALL) > 50`.
// --via-promql sends every rule through the PromQL engine (SQL) rather
// than answering window expressions directly (rules/window_query.h).
//
// For each W, on a fresh database (history written, closed windows sealed
// as the server's compactor seals them):
//   overtone afresh     K rounds: write one scrape, evaluate the group
//                       (RuleManager::EvaluateAt, as `overtone serve` does)
//   overtone standing   the rules' windows registered (rules/rule_windows.h);
//                       a first round that builds their state, then K rounds
// Evaluation time per round is the group's
// prometheus_rule_group_last_duration_seconds; CPU is this thread's CPU
// time over the round. Then Prometheus (skipped when not installed or with
// --no-prometheus): the history backfilled with promtool, the same rule file
// at evaluation_interval 15s, a scrape pushed every 15 s by remote write;
// its own prometheus_rule_group_last_duration_seconds of K evaluations and
// its process CPU (evaluations and ingest) per evaluation.

#include <sqlite3.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "adapters/prometheus/proto/remote.pb.h"
#include "adapters/prometheus/remote_write_client.h"
#include "adapters/promql/query.h"
#include "adapters/rules/rule_manager.h"
#include "adapters/rules/rule_windows.h"
#include "adapters/rules/window_query.h"
#include "bench/bench_cli.h"
#include "bench/prometheus_peer.h"
#include "overtone/database.h"
#include "overtone/sql.h"

namespace {

using namespace overtone;

constexpr int64_t kStep = 15'000;

struct Config {
  int series = 1000;
  int rules = 1000;
  int groups = 100;
  int rounds = 4;
  std::vector<int64_t> windows = {300'000, 3'600'000, 86'400'000};
  bool prometheus = true;
  std::string only;  // "afresh" or "standing": just that part (for profiles)
  bool alerting = false;
  bool via_promql = false;
  std::string dir = std::filesystem::temp_directory_path().string();
};

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

std::string Load() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

Labels SeriesLabels(const Config& c, int s) {
  return {{"__name__", "bench_metric"},
          {"group", "g" + std::to_string(s % c.groups)},
          {"instance", "i" + std::to_string(s)}};
}

// A gauge with one decimal, as a scrape of a percentage would give.
double Value(int s, int64_t ts) {
  uint64_t h = static_cast<uint64_t>(ts / kStep) * 0x9E3779B97F4A7C15ull ^
               static_cast<uint64_t>(s) * 0xC2B2AE3D27D4EB4Full;
  h ^= h >> 29;
  return std::round(500 + 400 * std::sin(static_cast<double>(ts) / 3.6e6 + s) +
                    static_cast<double>(h % 100)) /
         10;
}

std::string RuleFile(const Config& c, int64_t window) {
  static const char* kFns[] = {"avg", "sum", "min", "max", "stddev", "count", "last", "quantile"};
  std::string range = std::to_string(window / 1000) + "s";
  std::string out = "groups:\n  - name: bench\n    interval: 15s\n    rules:\n";
  for (int i = 0; i < c.rules; ++i) {
    std::string fn = kFns[i % 8];
    std::string sel = "bench_metric{group=\"g" + std::to_string(i % c.groups) + "\"}[" + range + "]";
    std::string expr =
        fn == "quantile" ? "quantile_over_time(0.9, " + sel + ")" : fn + "_over_time(" + sel + ")";
    if (c.alerting) expr = "max without (instance) (" + expr + ") > 50";
    out += "      - record: bench:r" + std::to_string(i) + "\n        expr: '" + expr + "'\n";
  }
  return out;
}

Status WriteScrapes(Database* db, const Config& c, int64_t from, int64_t to) {
  std::vector<Labels> labels;
  for (int s = 0; s < c.series; ++s) labels.push_back(SeriesLabels(c, s));
  WriteBatch batch;
  for (int64_t ts = from; ts <= to; ts += kStep) {
    for (int s = 0; s < c.series; ++s) batch.Add(labels[s], ts, Value(s, ts));
    if (batch.num_samples() >= 100'000) {
      if (Status st = db->Write(batch); !st.ok()) return st;
      batch = WriteBatch();
    }
  }
  return db->Write(batch);
}

// The value of `name` in Prometheus text: its first sample line's.
double MetricValue(const std::string& text, const std::string& name) {
  for (size_t at = 0; (at = text.find(name, at)) != std::string::npos; at += name.size()) {
    if (at != 0 && text[at - 1] != '\n') continue;
    size_t eol = std::min(text.find('\n', at), text.size());
    size_t sp = text.rfind(' ', eol);
    if (sp != std::string::npos && sp > at) return std::strtod(text.c_str() + sp + 1, nullptr);
  }
  return NAN;
}

struct Rounds {
  std::vector<double> eval_s, cpu_s;
  double Median(std::vector<double> v) const {
    if (v.empty()) return NAN;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  }
  double eval() const { return Median(eval_s); }
  double cpu() const { return Median(cpu_s); }
};

struct OvertoneResult {
  Rounds fresh, standing;
  double build_s = 0;
  uint64_t windows = 0, held = 0;
};

Result<OvertoneResult> RunOvertone(const Config& c, int64_t window, int64_t end,
                                   const std::filesystem::path& dir) {
  Options o;
  o.compaction_interval_ms = 0;
  OT_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, Database::Open(o, (dir / "db").string()));
  OT_RETURN_IF_ERROR(WriteScrapes(db.get(), c, end - window, end));
  OT_RETURN_IF_ERROR(db->Compact(end - o.head_window_ms).status());
  std::string rules_path = (dir / "rules.yml").string();
  std::ofstream(rules_path) << RuleFile(c, window);

  rules::RuleManagerOptions options;
  options.patterns = {rules_path};
  Database* raw_db = db.get();
  // As `overtone serve` makes it (shell/serve_rules.cc): plain window calls
  // straight to the database, the rest through PromQL; one for every round,
  // as a server's group loop keeps its own for good.
  sqlite3* raw = nullptr;
  sqlite3_open(":memory:", &raw);
  std::shared_ptr<sqlite3> conn(raw, sqlite3_close);
  Status registered = RegisterSql(raw, raw_db);
  rules::QueryFunc via_promql = [conn, registered](const std::string& expr,
                                                   int64_t t) -> Result<promql::QueryResult> {
    if (!registered.ok()) return registered;
    return promql::RunInstantQuery(conn.get(), expr, t);
  };
  rules::QueryFunc query = c.via_promql ? via_promql : rules::AnswerWindowCallsDirectly(raw_db, via_promql);
  auto make_query = [query]() { return query; };
  auto write = [raw_db](const std::vector<rules::OutputSample>& samples) {
    WriteBatch batch;
    for (const rules::OutputSample& s : samples) batch.Add(s.labels, s.ts_ms, s.value);
    return raw_db->Write(batch);
  };
  rules::RuleManager manager(options, make_query, write, [] { return int64_t{0}; });
  OT_RETURN_IF_ERROR(manager.Reload());
  rules::RuleWindows windows(db.get());

  OvertoneResult r;
  int64_t t = end;
  auto round = [&](Rounds* out) -> Status {
    t += kStep;
    OT_RETURN_IF_ERROR(WriteScrapes(db.get(), c, t, t));
    double cpu = ThreadCpuSeconds();
    manager.EvaluateAt(t);
    cpu = ThreadCpuSeconds() - cpu;
    if (out) {
      out->cpu_s.push_back(cpu);
      out->eval_s.push_back(
          MetricValue(manager.MetricsText(), "prometheus_rule_group_last_duration_seconds"));
    }
    return Status::OK();
  };
  if (c.only != "standing") {
    for (int k = 0; k < c.rounds; ++k) OT_RETURN_IF_ERROR(round(&r.fresh));
  }
  if (c.only == "afresh") return r;
  std::vector<std::string> exprs;
  {
    std::ifstream in(rules_path);
    std::string line;
    while (std::getline(in, line)) {
      size_t at = line.find("expr: '");
      if (at != std::string::npos) exprs.push_back(line.substr(at + 7, line.size() - at - 8));
    }
  }
  windows.Replace(rules::StandingWindowsOf(exprs));
  Rounds first;
  OT_RETURN_IF_ERROR(round(&first));
  r.build_s = first.eval();
  for (int k = 0; k < c.rounds; ++k) OT_RETURN_IF_ERROR(round(&r.standing));
  DatabaseStats stats = db->GetStats();
  r.windows = stats.standing_windows;
  r.held = stats.standing_samples;
  return r;
}

uint64_t ProcessCpuTicks(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::vector<std::string> f;
  size_t at = close + 2;
  while (at < stat.size() && f.size() < 15) {
    size_t sp = stat.find(' ', at);
    f.push_back(stat.substr(at, sp - at));
    at = sp == std::string::npos ? stat.size() : sp + 1;
  }
  return f.size() >= 13 ? std::stoull(f[11]) + std::stoull(f[12]) : 0;  // utime, stime
}

Status PushScrape(adapters::RemoteWriteClient* client, const Config& c, int64_t ts) {
  prometheus::WriteRequest req;
  for (int s = 0; s < c.series; ++s) {
    prometheus::TimeSeries* p = req.add_timeseries();
    for (const Label& l : SeriesLabels(c, s)) {
      prometheus::Label* pl = p->add_labels();
      pl->set_name(l.name);
      pl->set_value(l.value);
    }
    prometheus::Sample* smp = p->add_samples();
    smp->set_timestamp(ts);
    smp->set_value(Value(s, ts));
  }
  return client->Send(req);
}

Result<Rounds> RunPrometheus(const Config& c, int64_t window, int64_t end, const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  std::string om = (dir / "history.om").string();
  {
    std::FILE* f = std::fopen(om.c_str(), "w");
    if (f == nullptr) return Status::IOError("cannot write " + om);
    std::fputs("# TYPE bench_metric gauge\n", f);
    for (int s = 0; s < c.series; ++s) {
      for (int64_t ts = end - window; ts <= end; ts += kStep) {
        std::fprintf(f, "bench_metric{group=\"g%d\",instance=\"i%d\"} %.17g %lld.%03lld\n", s % c.groups, s,
                     Value(s, ts), static_cast<long long>(ts / 1000), static_cast<long long>(ts % 1000));
      }
    }
    std::fputs("# EOF\n", f);
    std::fclose(f);
  }
  std::string rules_path = (dir / "rules.yml").string();
  std::ofstream(rules_path) << RuleFile(c, window);
  bench::PeerExtras extras;
  extras.config = "  evaluation_interval: 15s\nrule_files:\n  - " + rules_path + "\n";
  extras.flags = {"--web.enable-remote-write-receiver"};
  OT_ASSIGN_OR_RETURN(auto peer, bench::PrometheusPeer::Backfill(om, dir, nullptr, extras));
  std::filesystem::remove(om);
  OT_ASSIGN_OR_RETURN(auto client, adapters::RemoteWriteClient::Create(
                                       "http://127.0.0.1:" + std::to_string(peer->port()) + "/api/v1/write"));
  // Catch up from the history's end to now, then a scrape every 15 s.
  int64_t ts = end + kStep;
  for (; ts <= NowMs(); ts += kStep) OT_RETURN_IF_ERROR(PushScrape(client.get(), c, ts));
  httplib::Client http("127.0.0.1", peer->port());
  Rounds r;
  double last_eval_ts = NAN;
  uint64_t ticks0 = 0;
  int seen = 0;
  long hz = sysconf(_SC_CLK_TCK);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15 * (c.rounds + 4) + 60);
  while (seen <= c.rounds && std::chrono::steady_clock::now() < deadline) {
    if (NowMs() >= ts) {
      OT_RETURN_IF_ERROR(PushScrape(client.get(), c, ts));
      ts += kStep;
    }
    auto res = http.Get("/metrics");
    if (res && res->status == 200) {
      double at = MetricValue(res->body, "prometheus_rule_group_last_evaluation_timestamp_seconds");
      if (at > 0 && at != last_eval_ts) {
        double dur = MetricValue(res->body, "prometheus_rule_group_last_duration_seconds");
        uint64_t ticks = ProcessCpuTicks(peer->pid());
        // The first evaluation seen may have run before the catch-up: only a start.
        if (seen > 0) {
          r.eval_s.push_back(dur);
          r.cpu_s.push_back(static_cast<double>(ticks - ticks0) / static_cast<double>(hz));
        }
        ticks0 = ticks;
        last_eval_ts = at;
        ++seen;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  if (r.eval_s.empty()) return Status::IOError("prometheus evaluated no rule group; see " + dir.string());
  return r;
}

std::string Duration(int64_t ms) {
  if (ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
  return std::to_string(ms / 1000) + "s";
}

}  // namespace

int main(int argc, char** argv) {
  Config c;
  bench::BenchCli cli("rule_window_bench",
                      "Rules over *_over_time windows every 15 s while samples arrive: overtone afresh, "
                      "overtone with standing windows, Prometheus running the same rule file.");
  CLI::App& app = cli.app();
  app.add_option("--series", c.series, "series written")->check(bench::Number(1));
  app.add_option("--rules", c.rules, "recording rules")->check(bench::Number(1));
  app.add_option("--groups", c.groups, "series groups the rules select")->check(bench::Number(1));
  std::vector<std::string> windows = {"5m", "1h", "24h"};
  app.add_option("--windows", windows, "the windows, one run each")->delimiter(',')->check(bench::Duration());
  app.add_option("--rounds", c.rounds, "evaluation rounds")->check(bench::Number(1));
  bench::AddNoPrometheus(app, &c.prometheus);
  bench::AddDir(app, &c.dir);
  app.add_option("--only", c.only, "just that part (for profiles)")
      ->check(CLI::IsMember({"afresh", "standing"}));
  app.add_flag("--alerting", c.alerting, "rules as alerts ask: max without (instance) (CALL) > 50");
  app.add_flag("--via-promql", c.via_promql, "every rule through the PromQL engine");
  if (std::optional<int> exit = cli.Parse(argc, argv)) return *exit;
  c.windows.clear();
  for (const std::string& w : windows) c.windows.push_back(*adapters::ParseDurationMs(w));
  bool prom = c.prometheus && bench::PrometheusPeer::Available();
  std::printf(
      "rule_window_bench: %d rules over %d series (%d groups, %d series a rule), %d rounds 15 s apart%s%s\n",
      c.rules, c.series, c.groups, c.series / c.groups, c.rounds, c.alerting ? ", alerting rules" : "",
      c.via_promql ? ", all through PromQL" : "");
  std::printf("load average at start: %s (a shared machine: figures are noisy, ratios are what to read)\n",
              Load().c_str());
  std::filesystem::path root =
      std::filesystem::path(c.dir) / ("rule_window_bench." + std::to_string(getpid()));
  std::vector<std::pair<int64_t, double>> standing_costs;
  int failures = 0;
  for (int64_t w : c.windows) {
    std::filesystem::path dir = root / Duration(w);
    std::filesystem::create_directories(dir / "overtone");
    int64_t end = NowMs() / kStep * kStep;
    auto o = RunOvertone(c, w, end, dir / "overtone");
    std::filesystem::remove_all(dir / "overtone");
    if (!o.ok()) {
      std::printf("window %s: overtone failed: %s\n", Duration(w).c_str(), o.status().ToString().c_str());
      ++failures;
      continue;
    }
    std::printf("\nwindow %s (%lld samples a series)\n", Duration(w).c_str(),
                static_cast<long long>(w / kStep));
    std::printf("  overtone afresh     eval %9.2f ms/round   cpu %9.2f ms/round\n", o->fresh.eval() * 1e3,
                o->fresh.cpu() * 1e3);
    std::printf(
        "  overtone standing   eval %9.2f ms/round   cpu %9.2f ms/round   (first round, building: %.2f ms;"
        " %llu windows holding %llu samples)\n",
        o->standing.eval() * 1e3, o->standing.cpu() * 1e3, o->build_s * 1e3,
        static_cast<unsigned long long>(o->windows), static_cast<unsigned long long>(o->held));
    std::printf("  ratio overtone afresh / standing: %.1fx\n", o->fresh.eval() / o->standing.eval());
    standing_costs.emplace_back(w, o->standing.eval());
    if (!prom) continue;
    auto p = RunPrometheus(c, w, end, dir / "prometheus");
    std::filesystem::remove_all(dir / "prometheus");
    if (!p.ok()) {
      std::printf("  prometheus failed: %s\n", p.status().ToString().c_str());
      ++failures;
      continue;
    }
    std::printf(
        "  prometheus 2.42     eval %9.2f ms/round   cpu %9.2f ms/round (process: rules and ingest)\n",
        p->eval() * 1e3, p->cpu() * 1e3);
    std::printf("  ratio prometheus / overtone standing: %.1fx   (prometheus / overtone afresh: %.1fx)\n",
                p->eval() / o->standing.eval(), p->eval() / o->fresh.eval());
  }
  std::filesystem::remove_all(root);
  std::printf("\nstanding cost per round by window:");
  for (auto& [w, s] : standing_costs) std::printf("  %s %.2f ms", Duration(w).c_str(), s * 1e3);
  if (standing_costs.size() > 1) {
    std::printf("   (longest / shortest: %.2fx)",
                standing_costs.back().second / standing_costs.front().second);
  }
  std::printf("\nload average at end: %s\n", Load().c_str());
  return failures == 0 ? 0 : 1;
}
