// fleet_bench: overtone on an emulated fleet (adapters/emulator/emulator.h), each
// figure beside its baselines measured in the same run on the same samples:
// a plain SQLite table and, when Debian's `prometheus` is installed,
// Prometheus itself.
//
//   fleet_bench [--hosts 100] [--duration 24h] [--interval 15s] [--seed 1]
//               [--batch 10000] [--runs 15] [--no-prometheus] [--dir PARENT] [--keep]
//               [--no-shared-timestamps] [--flac-block 256]
//
// HOW IT WORKS
// The fleet (7 series a host) is generated into memory once. Then:
//   ingest        overtone: Database::Write; SQLite: prepared INSERTs, one
//                 transaction per batch. Batches of --batch samples hold the
//                 next scrapes of every series, as a remote-write stream does.
//   seal          overtone's Compact(): raw samples into compressed segments.
//   import OM     the fleet as an OpenMetrics file into a new database:
//                 `overtone import`'s path vs `promtool tsdb
//                 create-blocks-from openmetrics`.
//   bytes/sample  every file of the store / samples: overtone after sealing,
//                 SQLite after a WAL checkpoint, Prometheus the blocks
//                 promtool made.
//   full scan     every sample of every series, in time order.
//   avg_over_time avg_over_time(cpu_usage_percent[1h]) and [--duration] at
//                 the end of the data over all hosts: overtone's
//                 EvaluateOverTime (in process), SQLite's avg() over the same
//                 (t-range, t] window, Prometheus's /api/v1/query (over HTTP,
//                 on loopback). Median of --runs runs; the answers must
//                 agree, or the benchmark fails.
// Ratios are overtone / baseline: above 1 is better for the /s rows, below 1
// for bytes and milliseconds. The machine is shared (2 cores): run it alone.

#include <httplib.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "adapters/emulator/emulator.h"
#include "adapters/formats/importer.h"
#include "adapters/formats/value_text.h"
#include "bench/bench_cli.h"
#include "bench/dir_bytes.h"
#include "bench/fleet_file.h"
#include "bench/prometheus_peer.h"
#include "bench/storage_breakdown.h"
#include "overtone/database.h"
#include "overtone/over_time.h"
#include "sql/statement.h"

namespace {

namespace fs = std::filesystem;
using namespace overtone;
using Clock = std::chrono::steady_clock;

constexpr int64_t kEnd = 1714521600000;  // 2024-05-01T00:00:00Z: the same data every run
constexpr int64_t kHour = 3600 * 1000;
constexpr double kNone = -1;  // no figure

struct Config {
  int hosts = 100;
  std::string duration = "24h", interval = "15s";
  uint64_t seed = 1;
  size_t batch = 10000;
  int runs = 15;
  bool prometheus = true;
  std::string dir;
  bool keep = false;
  bool share_timestamps = true;
  uint32_t flac_block = Options().flac_block_size;
};

struct Fleet {
  std::vector<Labels> labels;
  std::vector<std::vector<Sample>> series;
  std::vector<size_t> cpu;  // indexes of the cpu_usage_percent series
  uint64_t samples = 0;
};

double Since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? kNone : v[v.size() / 2];
}

using overtone::bench::DirBytes;

Fleet Generate(const adapters::EmulatorOptions& o) {
  Fleet f;
  adapters::HostChunk chunk;
  for (int h = 0; h < o.hosts; ++h) {
    adapters::HostEmulator host(o, h);
    size_t first = f.series.size();
    for (int m = 0; m < adapters::kNumEmulatedMetrics; ++m) {
      f.labels.push_back(host.labels(m));
      f.series.emplace_back();
      if (m == adapters::kCpuUsage) f.cpu.push_back(first + static_cast<size_t>(m));
    }
    while (!host.done()) {
      host.Next(4096, &chunk);
      for (int m = 0; m < adapters::kNumEmulatedMetrics; ++m) {
        auto& s = f.series[first + static_cast<size_t>(m)];
        s.insert(s.end(), chunk.samples[m].begin(), chunk.samples[m].end());
        f.samples += chunk.samples[m].size();
      }
    }
  }
  return f;
}

// Calls fn(series index, samples) for batches of about `batch` samples that
// move forward in time across all series; fn_end() after each batch.
template <typename Fn, typename End>
void ForEachBatch(const Fleet& f, size_t batch, Fn fn, End end_batch) {
  size_t step = std::max<size_t>(1, batch / f.series.size());
  size_t longest = 0;
  for (const auto& s : f.series) longest = std::max(longest, s.size());
  for (size_t j = 0; j < longest; j += step) {
    for (size_t i = 0; i < f.series.size(); ++i) {
      const auto& s = f.series[i];
      if (j < s.size()) fn(i, std::span<const Sample>(s.data() + j, std::min(step, s.size() - j)));
    }
    end_batch();
  }
}

// avg per cpu series, for the agreement check.
using Answer = std::map<std::string, double>;  // host -> value

bool Agree(const Answer& a, const Answer& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [k, v] : a) {
    auto it = b.find(k);
    if (it == b.end() || std::abs(it->second - v) > 1e-9 * std::max(1.0, std::abs(v))) return false;
  }
  return true;
}

// ---------------------------------------------------------------- SQLite

class Sqlite {
 public:
  explicit Sqlite(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) Die("open");
    Exec("PRAGMA journal_mode = WAL");
    Exec("PRAGMA synchronous = NORMAL");
    Exec("PRAGMA cache_size = -65536");
    Exec(
        "CREATE TABLE samples(series_id INTEGER, ts INTEGER, value REAL, "
        "PRIMARY KEY(series_id, ts)) WITHOUT ROWID");
  }
  ~Sqlite() { sqlite3_close(db_); }

  void Exec(const char* sql) {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) Die(sql);
  }
  overtone::sql::Statement Prepare(const std::string& sql) {
    overtone::sql::Statement st;
    if (st.Compile(db_, sql) != SQLITE_OK) Die(sql.c_str());
    return st;
  }
  [[noreturn]] void Die(const char* what) {
    std::fprintf(stderr, "fleet_bench: sqlite %s: %s\n", what, sqlite3_errmsg(db_));
    std::exit(1);
  }

 private:
  sqlite3* db_ = nullptr;
};

// ---------------------------------------------------------------- main

struct Row {
  std::string name;
  double overtone, sqlite, prometheus;
};

void PrintTable(const std::vector<Row>& rows) {
  auto cell = [](double v) {
    char b[32];
    if (v == kNone) return std::string("-");
    if (v >= 1e5)
      std::snprintf(b, sizeof(b), "%.3g", v);
    else
      std::snprintf(b, sizeof(b), v >= 100 ? "%.0f" : v >= 1 ? "%.2f" : "%.3f", v);
    return std::string(b);
  };
  auto ratio = [](double a, double b) {
    char buf[32];
    if (a == kNone || b == kNone || b == 0) return std::string("-");
    std::snprintf(buf, sizeof(buf), a / b < 0.1 ? "%.3fx" : "%.2fx", a / b);
    return std::string(buf);
  };
  std::printf("%-34s %12s %12s %12s %10s %10s\n", "metric", "overtone", "sqlite", "prometheus", "vs sqlite",
              "vs prom");
  for (const Row& r : rows) {
    std::printf("%-34s %12s %12s %12s %10s %10s\n", r.name.c_str(), cell(r.overtone).c_str(),
                cell(r.sqlite).c_str(), cell(r.prometheus).c_str(), ratio(r.overtone, r.sqlite).c_str(),
                ratio(r.overtone, r.prometheus).c_str());
  }
}

// Nothing when the bench should run, else its exit status.
std::optional<int> ParseArgs(int argc, char** argv, Config* c) {
  bench::BenchCli cli("fleet_bench",
                      "An emulated fleet into overtone, a plain SQLite table and Prometheus: ingest, "
                      "import, bytes/sample, scans, avg_over_time latency, ratios.");
  CLI::App& app = cli.app();
  app.add_option("--hosts", c->hosts, "hosts emulated")->check(bench::Number(1));
  app.add_option("--duration", c->duration, "time span of the samples")->check(bench::Duration());
  app.add_option("--interval", c->interval, "scrape interval")->check(bench::Duration());
  app.add_option("--seed", c->seed, "seed of the emulated values");
  app.add_option("--batch", c->batch, "samples per write")->check(bench::Number(1));
  bench::AddRuns(app, &c->runs);
  bench::AddNoPrometheus(app, &c->prometheus);
  bench::AddDir(app, &c->dir);
  bench::AddKeep(app, &c->keep);
  app.add_flag_callback(
      "--no-shared-timestamps", [c] { c->share_timestamps = false; }, "store each series' timestamps apart");
  app.add_option("--flac-block", c->flac_block, "samples per FLAC block (Options::flac_block_size)")
      ->check(bench::Number(1));
  return cli.Parse(argc, argv);
}

int Fail(const std::string& what, const Status& s) {
  std::fprintf(stderr, "fleet_bench: %s: %s\n", what.c_str(), s.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  Config cfg;
  if (std::optional<int> exit = ParseArgs(argc, argv, &cfg)) return *exit;
  auto duration = adapters::ParseDurationMs(cfg.duration);
  auto interval = adapters::ParseDurationMs(cfg.interval);
  if (!duration.ok() || !interval.ok()) return Fail("--duration/--interval", duration.status());
  adapters::EmulatorOptions eo;
  eo.hosts = cfg.hosts;
  eo.interval_ms = *interval;
  eo.end_ms = kEnd;
  eo.start_ms = kEnd - *duration;
  eo.seed = cfg.seed;
  if (Status s = adapters::ValidateEmulatorOptions(eo); !s.ok()) return Fail("options", s);

  fs::path base = cfg.dir.empty() ? fs::temp_directory_path() : fs::path(cfg.dir);
  std::string tmpl = (base / "fleet_bench.XXXXXX").string();
  if (!mkdtemp(tmpl.data())) return Fail("mkdtemp", Status::IOError(tmpl));
  const fs::path dir = tmpl;
  struct Cleanup {
    fs::path dir;
    bool keep;
    ~Cleanup() {
      std::error_code ec;
      if (keep)
        std::fprintf(stderr, "kept %s\n", dir.c_str());
      else
        fs::remove_all(dir, ec);
    }
  } cleanup{dir, cfg.keep};

  auto t = Clock::now();
  Fleet fleet = Generate(eo);
  const double n = static_cast<double>(fleet.samples);
  std::printf("fleet: %d hosts, %zu series, %llu samples (%s every %s), generated in %.2f s\n", cfg.hosts,
              fleet.series.size(), static_cast<unsigned long long>(fleet.samples), cfg.duration.c_str(),
              cfg.interval.c_str(), Since(t));
  std::fflush(stdout);

  std::vector<LabelMatcher> cpu_sel = {{MatchType::kEqual, "__name__", "cpu_usage_percent"}};
  const int64_t ranges[2] = {kHour, *duration};
  std::vector<Row> rows;

  // ---- overtone
  Options options;
  options.compaction_interval_ms = 0;  // only the Compact() measured below
  options.share_timestamp_columns = cfg.share_timestamps;
  options.flac_block_size = cfg.flac_block;
  Row ingest{"ingest samples/s", kNone, kNone, kNone},
      seal{"seal into segments samples/s", kNone, kNone, kNone};
  Row import{"import OpenMetrics samples/s", kNone, kNone, kNone},
      bytes{"bytes/sample on disk", kNone, kNone, kNone};
  Row scan{"full scan samples/s", kNone, kNone, kNone};
  Row query[2] = {{"avg_over_time [1h] ms", kNone, kNone, kNone},
                  {"avg_over_time [" + cfg.duration + "] ms", kNone, kNone, kNone}};
  Answer overtone_answer[2];
  {
    auto db = Database::Open(options, (dir / "overtone").string());
    if (!db.ok()) return Fail("open", db.status());
    WriteBatch batch;
    Status st;
    t = Clock::now();
    ForEachBatch(
        fleet, cfg.batch, [&](size_t i, std::span<const Sample> s) { batch.Add(fleet.labels[i], s); },
        [&] {
          if (st.ok()) st = (*db)->Write(batch);
          batch.Clear();
        });
    if (st.ok()) st = (*db)->Flush();
    if (!st.ok()) return Fail("ingest", st);
    ingest.overtone = n / Since(t);
    t = Clock::now();
    auto sealed = (*db)->Compact(kMaxTime);
    if (!sealed.ok()) return Fail("compact", sealed.status());
    if (Status s = (*db)->Flush(); !s.ok()) return Fail("flush", s);
    seal.overtone = n / Since(t);
  }
  {
    auto db = Database::Open(options, (dir / "overtone").string());
    if (!db.ok()) return Fail("reopen", db.status());
    bytes.overtone = static_cast<double>(DirBytes(dir / "overtone")) / n;
    overtone::bench::StorageBreakdown breakdown;
    if (Status s = overtone::bench::MeasureStorage(db->get(), dir / "overtone", &breakdown); !s.ok())
      return Fail("breakdown", s);
    auto check = (*db)->Check();
    if (!check.ok()) return Fail("check", check.status());
    overtone::bench::PrintStorageBreakdown(breakdown, fleet.samples, check->timestamp_column_bytes);
    auto all = (*db)->Select({});
    if (!all.ok()) return Fail("select", all.status());
    uint64_t seen = 0;
    t = Clock::now();
    for (const SeriesInfo& s : *all) {
      auto it = (*db)->Scan(s.id, kMinTime, kMaxTime);
      if (!it.ok()) return Fail("scan", it.status());
      for (; (*it)->Valid(); (*it)->Next()) ++seen;
    }
    scan.overtone = n / Since(t);
    if (seen != fleet.samples) return Fail("scan", Status::Corruption("scan saw other samples"));
    for (int q = 0; q < 2; ++q) {
      OverTimeQuery oq;
      oq.fn = OverTimeFn::kAvg;
      oq.start = oq.end = kEnd;
      oq.range = ranges[q];
      std::vector<double> ms;
      for (int r = 0; r < cfg.runs; ++r) {
        Answer answer;
        t = Clock::now();
        Status s = EvaluateOverTime(db->get(), cpu_sel, oq, [&](const SeriesInfo& si, int64_t, double v) {
          answer[std::string(GetLabel(si.labels, "host"))] = v;
          return Status::OK();
        });
        ms.push_back(Since(t) * 1000);
        if (!s.ok()) return Fail("avg_over_time", s);
        overtone_answer[q] = std::move(answer);
      }
      query[q].overtone = Median(ms);
    }
  }
  // The fleet as a file, for `overtone import` and promtool.
  const std::string om = (dir / "fleet.om").string();
  {
    Status s = bench::WriteFleetOpenMetrics(eo, om);
    if (!s.ok()) return Fail("fleet.om", s);
    auto db = Database::Open(options, (dir / "imported").string());
    if (!db.ok()) return Fail("open", db.status());
    adapters::ImportStats stats;
    s = adapters::ImportFile(db->get(), om, adapters::ImportOptions{}, &stats);
    if (s.ok()) s = (*db)->Flush();
    if (!s.ok()) return Fail("import", s);
    import.overtone = static_cast<double>(stats.samples) / stats.seconds;
  }

  // ---- SQLite
  {
    std::string path = (dir / "sqlite.db").string();
    Sqlite db(path);
    overtone::sql::Statement ins = db.Prepare("INSERT INTO samples(series_id, ts, value) VALUES(?, ?, ?)");
    bool open_tx = false;
    t = Clock::now();
    ForEachBatch(
        fleet, cfg.batch,
        [&](size_t i, std::span<const Sample> s) {
          if (!open_tx) db.Exec("BEGIN"), open_tx = true;
          for (const Sample& x : s) {
            ins.BindInt64(1, static_cast<int64_t>(i));
            ins.BindInt64(2, x.ts);
            ins.BindDouble(3, x.value);  // NaN is stored as NULL
            if (ins.Step() != SQLITE_DONE) db.Die("insert");
            ins.Reset();
          }
        },
        [&] { db.Exec("COMMIT"), open_tx = false; });
    ingest.sqlite = n / Since(t);
    ins = {};
    db.Exec("PRAGMA wal_checkpoint(TRUNCATE)");
    bytes.sqlite = static_cast<double>(DirBytes(path) + DirBytes(path + "-wal")) / n;
    overtone::sql::Statement full =
        db.Prepare("SELECT ts, value FROM samples WHERE series_id = ? ORDER BY ts");
    uint64_t seen = 0;
    t = Clock::now();
    for (size_t i = 0; i < fleet.series.size(); ++i) {
      full.BindInt64(1, static_cast<int64_t>(i));
      while (full.Step() == SQLITE_ROW) ++seen;
      full.Reset();
    }
    scan.sqlite = n / Since(t);
    if (seen != fleet.samples) return Fail("sqlite scan", Status::Corruption("other samples"));
    std::string ids;
    for (size_t i : fleet.cpu) ids += (ids.empty() ? "" : ",") + std::to_string(i);
    overtone::sql::Statement avg =
        db.Prepare("SELECT series_id, avg(value) FROM samples WHERE series_id IN (" + ids +
                   ") AND ts > ? AND ts <= ? GROUP BY series_id");
    for (int q = 0; q < 2; ++q) {
      std::vector<double> ms;
      Answer answer;
      for (int r = 0; r < cfg.runs; ++r) {
        answer.clear();
        t = Clock::now();
        avg.BindInt64(1, kEnd - ranges[q]);
        avg.BindInt64(2, kEnd);
        while (avg.Step() == SQLITE_ROW) {
          size_t i = static_cast<size_t>(sqlite3_column_int64(avg.get(), 0));
          answer[std::string(GetLabel(fleet.labels[i], "host"))] = sqlite3_column_double(avg.get(), 1);
        }
        avg.Reset();
        ms.push_back(Since(t) * 1000);
      }
      query[q].sqlite = Median(ms);
      if (!Agree(answer, overtone_answer[q])) {
        return Fail("avg_over_time", Status::Corruption("overtone and SQLite disagree"));
      }
    }
  }

  // ---- Prometheus
  bool have_prom = cfg.prometheus && bench::PrometheusPeer::Available();
  if (have_prom) {
    double backfill_seconds = 0;
    auto peer = bench::PrometheusPeer::Backfill(om, dir, &backfill_seconds);
    if (!peer.ok()) return Fail("prometheus", peer.status());
    import.prometheus = n / backfill_seconds;
    bytes.prometheus = static_cast<double>(DirBytes((*peer)->blocks())) / n;
    const int port = (*peer)->port();
    httplib::Client http("127.0.0.1", port);
    http.set_connection_timeout(2, 0);
    http.set_read_timeout(60, 0);
    Status failed;
    for (int q = 0; q < 2 && failed.ok(); ++q) {
      std::string range = q == 0 ? "1h" : std::to_string(ranges[q] / 1000) + "s";
      httplib::Params params = {{"query", "avg_over_time(cpu_usage_percent[" + range + "])"},
                                {"time", std::to_string(kEnd / 1000)}};
      std::vector<double> ms;
      Answer answer;
      for (int r = 0; r < cfg.runs && failed.ok(); ++r) {
        t = Clock::now();
        auto res = http.Get("/api/v1/query", params, httplib::Headers{});
        ms.push_back(Since(t) * 1000);
        if (!res || res->status != 200) {
          failed = Status::IOError("query failed");
          break;
        }
        answer.clear();
        auto body = nlohmann::json::parse(res->body, nullptr, false);
        if (body.is_discarded())
          failed = Status::Corruption("bad JSON from prometheus");
        else {
          for (const auto& v : body["data"]["result"]) {
            answer[v["metric"]["host"].get<std::string>()] = std::stod(v["value"][1].get<std::string>());
          }
        }
      }
      query[q].prometheus = Median(ms);
      if (failed.ok() && !Agree(answer, overtone_answer[q])) {
        failed = Status::Corruption("overtone and Prometheus disagree on " + range);
      }
    }
    if (!failed.ok()) return Fail("prometheus", failed);
  }

  std::printf("\n");
  PrintTable({ingest, seal, import, bytes, scan, query[0], query[1]});
  std::printf(
      "\nratios are overtone / baseline: above 1 is better for /s, below 1 for bytes and ms.\n"
      "overtone and SQLite are measured in process; Prometheus's query latency includes its "
      "HTTP API on loopback,\nits import is promtool create-blocks-from openmetrics, its bytes "
      "the 2h blocks promtool wrote.\n%s",
      have_prom ? "" : "prometheus: not measured (not installed, or --no-prometheus)\n");
  return 0;
}
