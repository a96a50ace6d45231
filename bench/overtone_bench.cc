// overtone_bench: overtone against a plain SQLite table on the same metrics.
//
//   overtone_bench [--series N] [--samples M] [--batch B] [--scans K]
//                  [--full-scans F] [--seed S] [--sqlite-schema without-rowid|rowid]
//                  [--no-compact] [--no-sqlite] [--by-id | --add-each] [--dir PARENT]
//                  [--keep]
//
// HOW IT WORKS
// It generates N series x M samples, deterministically from the seed: half
// cpu-like gauges (a daily sine plus noise, rounded to 2 decimals, 0..100),
// half request counters; a 15 s scrape interval with 0-2 ms of jitter, as
// Prometheus scrapes have. Then, for overtone (Database::Write) and for SQLite
// (one table, prepared INSERTs), it measures:
//   ingest         batches of B samples, each written atomically: one
//                  WriteBatch per Write() / one transaction per batch. A
//                  batch holds B/N consecutive samples of every series, as a
//                  remote-write request does. Printed per wall second
//                  and per CPU second of the process (all threads: the
//                  rate that holds on a machine shared with other work).
//                  "known series" is the same without the first round of
//                  batches, the one that creates every series. The writer
//                  thread's and the other threads' (RocksDB's flushes and
//                  compactions) shares are printed apart, as samples per
//                  CPU second of each; "+ last flush" adds the flush of
//                  what ingest left in memory.
//   compact        overtone only: Database::Compact() seals every window of
//                  every series into compressed segments (FLAC, XOR or raw),
//                  as the background compactor does once data is an hour old
//                  (--no-compact leaves the samples raw).
//   range scan 1h  K scans of a random series over a random 1-hour range:
//                  Database::Scan / SELECT ts, value ... WHERE series_id = ?
//                  AND ts BETWEEN ? AND ?.
//   full scan      every sample of F series.
//   bytes on disk  every file of the database, after a flush / checkpoint,
//                  divided by N x M: right after ingest, and after compaction;
//                  and the segments' own bytes per sealed sample.
// Both databases are flushed, closed and reopened between ingest and reads,
// so the reads merge segments and raw samples from files as they would.
// The two engines must return the same samples (counts and a checksum of the
// value bits); otherwise the benchmark fails.
//
// SQLite's side: journal_mode=WAL, synchronous=NORMAL (neither side fsyncs
// each commit), cache_size equal to overtone's block cache. The default
// schema is a WITHOUT ROWID table clustered on PRIMARY KEY(series_id, ts),
// the stronger baseline: against a rowid table with an index on
// (series_id, ts), which stores every key twice and needs a second lookup per
// row, it ingests about as fast (~10% slower), scans 1.5-2x faster and takes
// half the disk (--sqlite-schema rowid measures that one).
//
// Prints a table: metric, overtone, sqlite, ratio (overtone / sqlite).
// --no-sqlite measures overtone alone (a profile then shows only it).
// --by-id writes, after the first round of batches, each series' samples
// by the id that round gave back (Database::WriteWithIds), as an embedding
// writer that keeps the ids does: ingest without reading label sets.
// --add-each fills each batch with WriteBatch::AddEach, a sample of every
// series at a time (as a scrape brings them), which reads the label sets a
// few ahead; by default each series' samples go in with WriteBatch::Add.

#include <sqlite3.h>
#include <stdlib.h>
#include <time.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <memory>
#include <numbers>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "bench/bench_cli.h"
#include "bench/dir_bytes.h"
#include "overtone/database.h"
#include "overtone/status.h"
#include "overtone/types.h"
#include "sql/statement.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Config {
  size_t series = 100;
  size_t samples = 10000;  // per series
  size_t batch = 10000;    // samples per write
  size_t scans = 2000;     // 1-hour range scans
  size_t full_scans = 10;  // series scanned completely
  uint64_t seed = 42;
  std::string sqlite_schema = "without-rowid";
  std::string dir;  // parent of the temporary directory
  bool keep = false;
  bool compact = true;
  bool sqlite = true;
  // How batches are filled: WriteBatch::Add a series at a time,
  // WriteBatch::AddEach a sample of every series at a time, or known series
  // by id (Database::WriteWithIds).
  enum class Fill { kAdd, kAddEach, kById } fill = Fill::kAdd;
};

constexpr int64_t kStart = 1700000000000;  // ms
constexpr int64_t kInterval = 15000;       // ms
constexpr int64_t kHour = 3600000;         // ms
constexpr int64_t kDay = 24 * kHour;

// SplitMix64: small, fast and the same everywhere.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  double Uniform() { return double(Next() >> 11) * 0x1.0p-53; }  // [0, 1)
  uint64_t Below(uint64_t n) { return n == 0 ? 0 : Next() % n; }

 private:
  uint64_t state_;
};

struct Dataset {
  std::vector<overtone::Labels> labels;               // per series
  std::vector<std::vector<overtone::Sample>> series;  // ascending ts
  int64_t min_ts = 0;
  int64_t max_ts = 0;
  size_t total() const { return series.empty() ? 0 : series.size() * series[0].size(); }
};

Dataset Generate(const Config& cfg) {
  Rng rng(cfg.seed);
  Dataset d;
  d.labels.resize(cfg.series);
  d.series.resize(cfg.series);
  d.min_ts = kStart;
  d.max_ts = kStart;
  for (size_t i = 0; i < cfg.series; ++i) {
    const bool gauge = i % 2 == 0;
    char host[32];
    std::snprintf(host, sizeof host, "host-%03zu:9100", i / 2);
    d.labels[i] = {
        {"__name__", gauge ? "node_cpu_usage_percent" : "http_requests_total"},
        {"instance", host},
        {"job", gauge ? "node" : "api"},
        {"region", i % 4 < 2 ? "eu-west" : "us-east"},
    };
    overtone::NormalizeLabels(&d.labels[i]);
    const double phase = rng.Uniform() * 2 * std::numbers::pi;
    const double level = 20 + rng.Uniform() * 40;
    const double per_second = 1 + double(rng.Below(200));  // counter's mean rate
    const int64_t offset = int64_t(rng.Below(kInterval));  // scrape offset
    double total = double(rng.Below(1000000));
    auto& out = d.series[i];
    out.reserve(cfg.samples);
    for (size_t j = 0; j < cfg.samples; ++j) {
      const int64_t ts = kStart + offset + int64_t(j) * kInterval + int64_t(rng.Below(3));
      const double day = 2 * std::numbers::pi * double(ts % kDay) / double(kDay) + phase;
      double v;
      if (gauge) {
        const double noise = (rng.Uniform() + rng.Uniform() + rng.Uniform() - 1.5) * 6;
        v = std::clamp(level + 25 * std::sin(day) + noise, 0.0, 100.0);
        v = std::round(v * 100) / 100;
      } else {
        total += std::floor(per_second * 15 * (1 + 0.5 * std::sin(day)) * rng.Uniform() * 2);
        v = total;
      }
      out.push_back({ts, v});
      d.max_ts = std::max(d.max_ts, ts);
    }
  }
  return d;
}

// A query: series index and inclusive time range.
struct Query {
  size_t series;
  int64_t lo, hi;
};

// What a read returned; both engines must agree.
struct Digest {
  uint64_t samples = 0;
  uint64_t hash = 0;
  void Add(int64_t ts, double v) {
    ++samples;
    hash = hash * 1099511628211ull + (uint64_t(ts) ^ std::bit_cast<uint64_t>(v));
  }
  bool operator==(const Digest&) const = default;
};

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// CPU seconds of the whole process (every thread, RocksDB's flushes
// included): on a machine shared with other work, a rate per CPU second
// moves much less than one per wall second.
double ProcessCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

// CPU seconds of the calling thread: the writer's share of the process's.
double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

struct Timing {
  double wall = 0;        // seconds
  double cpu = 0;         // process CPU seconds
  double writer_cpu = 0;  // of which the writing thread's (the rest: flushes, compactions)
  // The same for the batches after the first round, once every series
  // exists: ingest without series creation.
  double known_wall = 0, known_cpu = 0;
  size_t known_samples = 0;
};

// Marks the end of the first round of batches (the one that creates the
// series) and finishes the timing.
class IngestClock {
 public:
  IngestClock() : start_(Clock::now()), cpu_start_(ProcessCpuSeconds()), thread_start_(ThreadCpuSeconds()) {}
  void FirstRoundDone() {
    first_ = Clock::now();
    cpu_first_ = ProcessCpuSeconds();
  }
  Timing Finish(size_t known_samples) const {
    const double wall = Seconds(start_), cpu = ProcessCpuSeconds() - cpu_start_;
    return {wall,
            cpu,
            ThreadCpuSeconds() - thread_start_,
            wall - std::chrono::duration<double>(first_ - start_).count(),
            cpu - (cpu_first_ - cpu_start_),
            known_samples};
  }

 private:
  Clock::time_point start_, first_;
  double cpu_start_ = 0, cpu_first_ = 0, thread_start_ = 0;
};

using overtone::bench::DirBytes;

struct Error {
  std::string what;
};

void Check(const overtone::Status& s, const char* what) {
  if (!s.ok()) throw Error{std::string(what) + ": " + s.ToString()};
}

// ---------------------------------------------------------------- overtone

class OvertoneSide {
 public:
  explicit OvertoneSide(fs::path dir) : dir_(std::move(dir)) {
    options_.compaction_interval_ms = 0;  // only the Compact() measured below
  }

  void Open() {
    auto db = overtone::Database::Open(options_, dir_.string());
    Check(db.status(), "Database::Open");
    db_ = std::move(*db);
  }
  void Close() { db_.reset(); }

  Timing Ingest(const Dataset& d, size_t batch_samples, Config::Fill fill) {
    const size_t n = d.series.size(), m = d.series[0].size();
    const size_t step = std::max<size_t>(1, batch_samples / n);  // timestamps per batch
    overtone::WriteBatch batch;
    IngestClock clock;
    if (fill == Config::Fill::kById) {
      std::vector<overtone::SeriesId> ids, stale, none;  // none: the empty batch's ids
      std::vector<overtone::Database::KnownSample> known;
      for (size_t j = 0; j < m; j += step) {
        const size_t len = std::min(step, m - j);
        if (j == 0) {
          for (size_t i = 0; i < n; ++i) {
            batch.Add(d.labels[i], std::span<const overtone::Sample>(d.series[i].data(), len));
          }
          Check(db_->WriteWithIds(batch, {}, &ids, &stale), "Database::WriteWithIds");
          if (ids.size() != n) throw Error{"WriteWithIds gave back " + std::to_string(ids.size()) + " ids"};
          batch.Clear();
          clock.FirstRoundDone();
          continue;
        }
        known.clear();
        for (size_t i = 0; i < n; ++i) {
          for (size_t k = j; k < j + len; ++k) known.push_back({ids[i], d.series[i][k]});
        }
        Check(db_->WriteWithIds(batch, known, &none, &stale), "Database::WriteWithIds");
      }
      return clock.Finish(n * (m - std::min(step, m)));
    }
    std::vector<overtone::Sample> column(fill == Config::Fill::kAddEach ? n : 0);
    for (size_t j = 0; j < m; j += step) {
      const size_t len = std::min(step, m - j);
      batch.Clear();
      if (fill == Config::Fill::kAddEach) {
        for (size_t k = j; k < j + len; ++k) {
          for (size_t i = 0; i < n; ++i) column[i] = d.series[i][k];
          Check(batch.AddEach(d.labels, column), "WriteBatch::AddEach");
        }
      } else {
        for (size_t i = 0; i < n; ++i) {
          batch.Add(d.labels[i], std::span<const overtone::Sample>(d.series[i].data() + j, len));
        }
      }
      Check(db_->Write(batch), "Database::Write");
      if (j == 0) clock.FirstRoundDone();
    }
    return clock.Finish(n * (m - std::min(step, m)));
  }

  void Flush() { Check(db_->Flush(), "Database::Flush"); }

  // Seals everything into segments; returns seconds.
  double Compact(uint64_t* samples_sealed) {
    auto start = Clock::now();
    auto stats = db_->Compact(overtone::kMaxTime);
    Check(stats.status(), "Database::Compact");
    Flush();
    *samples_sealed = stats->samples_sealed;
    return Seconds(start);
  }

  void ResolveIds(const Dataset& d) {
    ids_.clear();
    for (const auto& labels : d.labels) {
      auto id = db_->FindSeries(labels);
      Check(id.status(), "Database::FindSeries");
      ids_.push_back(*id);
    }
  }

  Digest Read(const std::vector<Query>& queries, double* seconds) {
    Digest digest;
    auto start = Clock::now();
    for (const Query& q : queries) {
      auto it = db_->Scan(ids_[q.series], q.lo, q.hi);
      Check(it.status(), "Database::Scan");
      for (; (*it)->Valid(); (*it)->Next()) {
        overtone::Sample s = (*it)->sample();
        digest.Add(s.ts, s.value);
      }
      Check((*it)->status(), "SampleIterator");
    }
    *seconds = Seconds(start);
    return digest;
  }

  uint64_t DiskBytes() const { return DirBytes(dir_); }

  // Bytes of all segments, as the engine counts them (headers included).
  uint64_t SegmentBytes() {
    uint64_t bytes = 0;
    Check(db_->ForEachSegment(0,
                              [&](const overtone::SegmentInfo& info) {
                                bytes += info.bytes;
                                return overtone::Status::OK();
                              }),
          "Database::ForEachSegment");
    return bytes;
  }

 private:
  fs::path dir_;
  overtone::Options options_;
  std::unique_ptr<overtone::Database> db_;
  std::vector<overtone::SeriesId> ids_;
};

// ---------------------------------------------------------------- SQLite

class SqliteSide {
 public:
  SqliteSide(fs::path file, std::string schema) : file_(std::move(file)), schema_(schema) {}
  ~SqliteSide() { Close(); }

  void Open() {
    if (sqlite3_open(file_.c_str(), &db_) != SQLITE_OK) Fail("sqlite3_open");
    const std::string cache =
        "PRAGMA cache_size = -" + std::to_string(overtone::Options().block_cache_bytes >> 10);
    Exec("PRAGMA journal_mode = WAL");
    Exec("PRAGMA synchronous = NORMAL");
    Exec(cache.c_str());
  }
  void Close() {
    // Statements first: a connection with statements left does not close.
    insert_ = {};
    range_ = {};
    full_ = {};
    if (db_) sqlite3_close(db_);
    db_ = nullptr;
  }

  void CreateSchema(const Dataset& d) {
    Exec("CREATE TABLE series(series_id INTEGER PRIMARY KEY, labels TEXT NOT NULL UNIQUE)");
    if (schema_ == "rowid") {
      Exec("CREATE TABLE samples(series_id INTEGER, ts INTEGER, value REAL)");
      Exec("CREATE INDEX samples_series_ts ON samples(series_id, ts)");
    } else {
      Exec(
          "CREATE TABLE samples(series_id INTEGER, ts INTEGER, value REAL, "
          "PRIMARY KEY(series_id, ts)) WITHOUT ROWID");
    }
    overtone::sql::Statement st = Prepare("INSERT INTO series(series_id, labels) VALUES(?, ?)");
    Exec("BEGIN");
    for (size_t i = 0; i < d.labels.size(); ++i) {
      st.BindInt64(1, int64_t(i));
      st.BindText(2, overtone::LabelsToString(d.labels[i]));
      Step(st);
    }
    Exec("COMMIT");
  }

  Timing Ingest(const Dataset& d, size_t batch_samples) {
    const size_t n = d.series.size(), m = d.series[0].size();
    const size_t step = std::max<size_t>(1, batch_samples / n);
    insert_ = Prepare("INSERT INTO samples(series_id, ts, value) VALUES(?, ?, ?)");
    IngestClock clock;
    for (size_t j = 0; j < m; j += step) {
      const size_t len = std::min(step, m - j);
      Exec("BEGIN");
      for (size_t i = 0; i < n; ++i) {
        for (size_t k = j; k < j + len; ++k) {
          insert_.BindInt64(1, int64_t(i));
          insert_.BindInt64(2, d.series[i][k].ts);
          insert_.BindDouble(3, d.series[i][k].value);
          Step(insert_);
        }
      }
      Exec("COMMIT");
      if (j == 0) clock.FirstRoundDone();
    }
    return clock.Finish(n * (m - std::min(step, m)));
  }

  void Checkpoint() { Exec("PRAGMA wal_checkpoint(TRUNCATE)"); }

  Digest Read(const std::vector<Query>& queries, bool full, double* seconds) {
    overtone::sql::Statement& st = full ? full_ : range_;
    if (!st) {
      st = Prepare(full ? "SELECT ts, value FROM samples WHERE series_id = ? ORDER BY ts"
                        : "SELECT ts, value FROM samples WHERE series_id = ? AND ts BETWEEN ? "
                          "AND ? ORDER BY ts");
    }
    Digest digest;
    auto start = Clock::now();
    for (const Query& q : queries) {
      st.BindInt64(1, int64_t(q.series));
      if (!full) {
        st.BindInt64(2, q.lo);
        st.BindInt64(3, q.hi);
      }
      int rc;
      while ((rc = st.Step()) == SQLITE_ROW) {
        digest.Add(sqlite3_column_int64(st.get(), 0), sqlite3_column_double(st.get(), 1));
      }
      if (rc != SQLITE_DONE) Fail("sqlite3_step");
      st.Reset();
    }
    *seconds = Seconds(start);
    return digest;
  }

  uint64_t DiskBytes() const {
    uint64_t n = 0;
    for (const char* suffix : {"", "-wal", "-journal"}) {
      fs::path p = file_;
      p += suffix;
      n += DirBytes(p);
    }
    return n;
  }

 private:
  [[noreturn]] void Fail(const char* what) {
    throw Error{std::string(what) + ": " + (db_ ? sqlite3_errmsg(db_) : "no connection")};
  }
  void Exec(const char* sql) {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) Fail(sql);
  }
  overtone::sql::Statement Prepare(const char* sql) {
    overtone::sql::Statement st;
    if (st.Compile(db_, sql) != SQLITE_OK) Fail(sql);
    return st;
  }
  void Step(overtone::sql::Statement& st) {
    if (st.Step() != SQLITE_DONE) Fail("sqlite3_step");
    st.Reset();
  }

  fs::path file_;
  std::string schema_;
  sqlite3* db_ = nullptr;
  overtone::sql::Statement insert_;
  overtone::sql::Statement range_;
  overtone::sql::Statement full_;
};

// ---------------------------------------------------------------- main

// Removes the temporary directory on every way out, unless --keep.
class TempDir {
 public:
  TempDir(const std::string& parent, bool keep) : keep_(keep) {
    fs::path base = parent.empty() ? fs::temp_directory_path() : fs::path(parent);
    std::string tmpl = (base / "overtone_bench.XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw Error{"mkdtemp in " + base.string() + " failed"};
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (keep_) {
      std::fprintf(stderr, "kept %s\n", path_.c_str());
    } else {
      fs::remove_all(path_, ec);
    }
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
  bool keep_;
};

// Nothing when the bench should run, else its exit status.
std::optional<int> ParseArgs(int argc, char** argv, Config* cfg) {
  overtone::bench::BenchCli cli(
      "overtone_bench",
      "overtone against a plain SQLite table on the same generated metrics: ingest, "
      "compaction, 1-hour range scans, full-series scans, bytes on disk.");
  CLI::App& app = cli.app();
  app.add_option("--series", cfg->series, "series written")->check(overtone::bench::Number(1));
  app.add_option("--samples", cfg->samples, "samples per series")->check(overtone::bench::Number(1));
  app.add_option("--batch", cfg->batch, "samples per write")->check(overtone::bench::Number(1));
  app.add_option("--scans", cfg->scans, "1-hour range scans");
  app.add_option("--full-scans", cfg->full_scans, "series scanned completely");
  app.add_option("--seed", cfg->seed, "seed of the generated values");
  app.add_option("--sqlite-schema", cfg->sqlite_schema, "the SQLite table's layout")
      ->check(CLI::IsMember({"without-rowid", "rowid"}));
  app.add_flag_callback(
      "--no-compact", [cfg] { cfg->compact = false; }, "leave the samples raw");
  app.add_flag_callback(
      "--no-sqlite", [cfg] { cfg->sqlite = false; }, "measure overtone alone (for profiling)");
  CLI::Option* by_id = app.add_flag_callback(
      "--by-id", [cfg] { cfg->fill = Config::Fill::kById; },
      "write the samples of known series by the ids the first batch gave back");
  app.add_flag_callback(
         "--add-each", [cfg] { cfg->fill = Config::Fill::kAddEach; },
         "fill each batch with WriteBatch::AddEach, one sample of every series at a time")
      ->excludes(by_id);
  overtone::bench::AddDir(app, &cfg->dir);
  overtone::bench::AddKeep(app, &cfg->keep);
  return cli.Parse(argc, argv);
}

struct Row {
  const char* metric;
  double overtone, sqlite;  // sqlite < 0: not applicable
  int decimals;
};

void PrintTable(const std::vector<Row>& rows) {
  std::printf("%-30s %14s %14s %8s\n", "metric", "overtone", "sqlite", "ratio");
  for (const Row& r : rows) {
    if (r.sqlite < 0) {
      std::printf("%-30s %14.*f %14s %8s\n", r.metric, r.decimals, r.overtone, "-", "-");
      continue;
    }
    const double ratio = r.sqlite > 0 ? r.overtone / r.sqlite : 0;
    std::printf("%-30s %14.*f %14.*f %7.2fx\n", r.metric, r.decimals, r.overtone, r.decimals, r.sqlite,
                ratio);
  }
  std::printf("ratio = overtone / sqlite: above 1 is better for rates, below 1 for bytes.\n");
}

int Run(const Config& cfg) {
  std::printf(
      "overtone_bench: %zu series x %zu samples, batch %zu, %zu range scans, "
      "%zu full scans, seed %llu\n",
      cfg.series, cfg.samples, cfg.batch, cfg.scans, cfg.full_scans,
      static_cast<unsigned long long>(cfg.seed));
  std::printf("sqlite %s: %s, journal_mode=WAL, synchronous=NORMAL\n", sqlite3_libversion(),
              cfg.sqlite_schema == "rowid" ? "rowid table + INDEX(series_id, ts)"
                                           : "WITHOUT ROWID, PRIMARY KEY(series_id, ts)");
  std::fflush(stdout);

  const Dataset data = Generate(cfg);
  const double total = double(data.total());

  // The same queries for both engines.
  Rng rng(cfg.seed ^ 0x5eed);
  std::vector<Query> ranges, fulls;
  const int64_t span = std::max<int64_t>(1, data.max_ts - data.min_ts - kHour);
  for (size_t k = 0; k < cfg.scans; ++k) {
    const int64_t lo = data.min_ts + int64_t(rng.Below(uint64_t(span)));
    ranges.push_back({size_t(rng.Below(cfg.series)), lo, lo + kHour});
  }
  const size_t nfull = std::min(cfg.full_scans, cfg.series);
  for (size_t k = 0; k < nfull; ++k) {
    fulls.push_back({k * cfg.series / nfull, overtone::kMinTime, overtone::kMaxTime});
  }

  TempDir tmp(cfg.dir, cfg.keep);
  OvertoneSide ot(tmp.path() / "overtone");
  SqliteSide sq(tmp.path() / "sqlite.db", cfg.sqlite_schema);

  ot.Open();
  const Timing ot_ingest = ot.Ingest(data, cfg.batch, cfg.fill);
  // What ingest left in memory is flushed here: with it, the figure holds
  // every sample's write to a table file, whatever the write buffer's size.
  const double flush_cpu_start = ProcessCpuSeconds();
  ot.Flush();
  const double ot_flush_cpu = ProcessCpuSeconds() - flush_cpu_start;
  const uint64_t ot_raw_bytes = ot.DiskBytes();
  uint64_t sealed = 0;
  const double ot_compact = cfg.compact ? ot.Compact(&sealed) : 0;
  ot.Close();
  ot.Open();
  ot.ResolveIds(data);

  Timing sq_ingest;
  uint64_t sq_bytes = 0;
  if (cfg.sqlite) {
    sq.Open();
    sq.CreateSchema(data);
    sq_ingest = sq.Ingest(data, cfg.batch);
    sq.Checkpoint();
    sq.Close();
    sq.Open();
    sq_bytes = sq.DiskBytes();
  }

  const uint64_t ot_bytes = ot.DiskBytes();
  const uint64_t ot_segment_bytes = ot.SegmentBytes();

  double ot_range_s = 0, sq_range_s = 0, ot_full_s = 0, sq_full_s = 0;
  const Digest ot_range = ot.Read(ranges, &ot_range_s);
  const Digest ot_full = ot.Read(fulls, &ot_full_s);
  ot.Close();
  Digest sq_range = ot_range, sq_full = ot_full;  // without SQLite: compared with themselves
  if (cfg.sqlite) {
    sq_range = sq.Read(ranges, false, &sq_range_s);
    sq_full = sq.Read(fulls, true, &sq_full_s);
    sq.Close();
  }

  // Without SQLite its column prints "-".
  auto rate = [](double n, double s) { return s > 0 ? n / s : 0; };
  auto sq_rate = [&](double n, double s) { return cfg.sqlite ? rate(n, s) : -1; };
  PrintTable({
      {"ingest samples/s", rate(total, ot_ingest.wall), sq_rate(total, sq_ingest.wall), 0},
      {"ingest samples/CPU-s", rate(total, ot_ingest.cpu), sq_rate(total, sq_ingest.cpu), 0},
      {"ingest, known series, /CPU-s", rate(double(ot_ingest.known_samples), ot_ingest.known_cpu),
       sq_rate(double(sq_ingest.known_samples), sq_ingest.known_cpu), 0},
      {"ingest, writer thread, /CPU-s", rate(total, ot_ingest.writer_cpu), -1, 0},
      {"ingest, other threads, /CPU-s", rate(total, ot_ingest.cpu - ot_ingest.writer_cpu), -1, 0},
      {"ingest + last flush, /CPU-s", rate(total, ot_ingest.cpu + ot_flush_cpu), -1, 0},
      {"compact samples/s", rate(double(sealed), ot_compact), -1, 0},
      {"range scan 1h samples/s", rate(double(ot_range.samples), ot_range_s),
       sq_rate(double(sq_range.samples), sq_range_s), 0},
      {"range scan 1h queries/s", rate(double(ranges.size()), ot_range_s),
       sq_rate(double(ranges.size()), sq_range_s), 0},
      {"full scan samples/s", rate(double(ot_full.samples), ot_full_s),
       sq_rate(double(sq_full.samples), sq_full_s), 0},
      {"bytes on disk/sample, raw", double(ot_raw_bytes) / total, sq_rate(double(sq_bytes), total), 2},
      {"bytes on disk/sample", double(ot_bytes) / total, sq_rate(double(sq_bytes), total), 2},
      {"segment bytes/sample", sealed ? double(ot_segment_bytes) / double(sealed) : 0, -1, 2},
  });
  if (cfg.compact && sealed != data.total()) {
    std::printf("note: Compact() sealed %llu of %zu samples\n", static_cast<unsigned long long>(sealed),
                data.total());
  }

  int rc = 0;
  if (!(ot_range == sq_range)) {
    std::fprintf(stderr,
                 "MISMATCH: range scans returned %llu samples from overtone, %llu from "
                 "sqlite, or different values\n",
                 static_cast<unsigned long long>(ot_range.samples),
                 static_cast<unsigned long long>(sq_range.samples));
    rc = 1;
  }
  if (!(ot_full == sq_full) || ot_full.samples != nfull * cfg.samples) {
    std::fprintf(stderr,
                 "MISMATCH: full scans returned %llu samples from overtone, %llu from "
                 "sqlite, %zu expected, or different values\n",
                 static_cast<unsigned long long>(ot_full.samples),
                 static_cast<unsigned long long>(sq_full.samples), nfull * cfg.samples);
    rc = 1;
  }
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  Config cfg;
  if (std::optional<int> exit = ParseArgs(argc, argv, &cfg)) return *exit;
  try {
    return Run(cfg);
  } catch (const Error& e) {
    std::fprintf(stderr, "overtone_bench: %s\n", e.what.c_str());
    return 1;
  } catch (const std::exception& e) {  // from the engine or the library: still clean up
    std::fprintf(stderr, "overtone_bench: %s\n", e.what());
    return 1;
  }
}
