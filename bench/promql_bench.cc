// promql_bench: PromQL query latency through overtone's PromQL-to-SQL
// translation, against the same computation written by hand over a plain
// SQLite table.
//
//   promql_bench [--series N] [--hours H] [--runs R] [--dir PARENT]
//
// HOW IT WORKS
// N series (half cpu-like gauges `bench_cpu{job, instance}`, half counters
// `bench_requests_total{job, instance}`, 8 jobs), one sample every 15 s for H
// hours, go into an overtone database (Database::Write) and into a plain
// SQLite table samples(series_id, ts, value) clustered on (series_id, ts)
// with a series(series_id, job, metric) table. Each query below runs R times
// on each side; the table shows the median latency and the ratio
// overtone / sqlite (below 1: overtone is faster).
//
//   avg_over_time    avg_over_time(bench_cpu[5m]) at the end         (instant)
//   sum by rate      sum by (job) (rate(bench_requests_total[5m]))     (instant)
//   max by range     max by (job) (bench_cpu), 1h at 60 s steps        (range)
//   over_time range  sum_over_time(bench_cpu[1m]), 1h at 60 s steps   (range)
//
// The hand-written SQL computes the same numbers in the simplest way SQLite
// allows (rate as (last - first) / range, without Prometheus's
// extrapolation); the benchmark checks both sides return the same number
// of result points. Prometheus itself is not measured here.

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "adapters/promql/query.h"
#include "bench/bench_cli.h"
#include "overtone/database.h"
#include "overtone/sql.h"
#include "sql/statement.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr int64_t kInterval = 15000;

struct Args {
  int series = 200;
  int hours = 2;
  int runs = 5;
  std::string dir = "/tmp";
};

bool Exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::fprintf(stderr, "sqlite: %s\n  in %s\n", err, sql);
    sqlite3_free(err);
    return false;
  }
  return true;
}

// Rows a statement returns, or -1 on error.
long RunSql(sqlite3* db, const std::string& sql) {
  overtone::sql::Statement stmt;
  if (stmt.Compile(db, sql) != SQLITE_OK) {
    std::fprintf(stderr, "sqlite: %s\n", sqlite3_errmsg(db));
    return -1;
  }
  long rows = 0;
  while (stmt.Step() == SQLITE_ROW) ++rows;
  return rows;
}

double MedianMs(int runs, const std::function<long()>& fn, long* points) {
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    auto t0 = Clock::now();
    *points = fn();
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

long Points(const overtone::Result<overtone::promql::QueryResult>& r) {
  if (!r.ok()) {
    std::fprintf(stderr, "promql: %s\n", r.status().ToString().c_str());
    return -1;
  }
  long n = 0;
  for (const auto& s : r->series) n += static_cast<long>(s.points.size());
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  overtone::bench::BenchCli cli("promql_bench",
                                "PromQL latency through the SQL translation against the same computation "
                                "hand-written over a plain SQLite table.");
  cli.app().add_option("--series", a.series, "series written")->check(overtone::bench::Number(1));
  cli.app().add_option("--hours", a.hours, "hours of samples")->check(overtone::bench::Number(1));
  overtone::bench::AddRuns(cli.app(), &a.runs);
  overtone::bench::AddDir(cli.app(), &a.dir);
  if (std::optional<int> exit = cli.Parse(argc, argv)) return *exit;
  namespace fs = std::filesystem;
  fs::path root = fs::path(a.dir) / ("promql-bench-" + std::to_string(::getpid()));
  fs::create_directories(root);
  int64_t samples = a.hours * 3600000LL / kInterval;
  int64_t end = (samples - 1) * kInterval;

  overtone::Options options;
  options.compaction_interval_ms = 0;
  auto session = overtone::SqlSession::Open(options, (root / "overtone").string());
  if (!session.ok()) {
    std::fprintf(stderr, "%s\n", session.status().ToString().c_str());
    return 1;
  }
  sqlite3* plain = nullptr;
  sqlite3_open((root / "plain.db").c_str(), &plain);
  Exec(plain,
       "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
       "CREATE TABLE series(series_id INTEGER PRIMARY KEY, metric TEXT, job TEXT, instance TEXT);"
       "CREATE TABLE samples(series_id INTEGER, ts INTEGER, value REAL, PRIMARY KEY(series_id, ts)) WITHOUT "
       "ROWID;");
  Exec(plain, "BEGIN");
  overtone::sql::Statement ins;
  ins.Compile(plain, "INSERT INTO samples VALUES (?, ?, ?)");
  for (int s = 0; s < a.series; ++s) {
    bool counter = s % 2 == 1;
    std::string metric = counter ? "bench_requests_total" : "bench_cpu";
    std::string job = "job" + std::to_string(s % 8), instance = "host" + std::to_string(s / 2);
    overtone::Labels labels = {{"__name__", metric}, {"instance", instance}, {"job", job}};
    overtone::WriteBatch batch;
    double total = 0;
    for (int64_t i = 0; i < samples; ++i) {
      double v =
          counter ? (total += (s % 7) + (i % 5)) : std::round(5000 + 4000 * std::sin(i * 0.01 + s)) / 100;
      batch.Add(labels, i * kInterval, v);
      ins.BindInt64(1, s);
      ins.BindInt64(2, i * kInterval);
      ins.BindDouble(3, v);
      ins.Step();
      ins.Reset();
    }
    if (!(*session)->db()->Write(batch).ok()) return 1;
    std::string q = "INSERT INTO series VALUES (" + std::to_string(s) + ", '" + metric + "', '" + job +
                    "', '" + instance + "')";
    Exec(plain, q.c_str());
  }
  ins = {};  // finalized: the connection closes at the end
  Exec(plain, "COMMIT");
  if (!(*session)->db()->Flush().ok()) return 1;

  sqlite3* conn = (*session)->conn();
  std::string t = std::to_string(end), start = std::to_string(end - 3600000);
  struct Query {
    const char* name;
    std::function<long()> overtone;
    std::string sql;
  };
  std::vector<Query> queries = {
      {"avg_over_time",
       [&] { return Points(overtone::promql::RunInstantQuery(conn, "avg_over_time(bench_cpu[5m])", end)); },
       "SELECT s.series_id, avg(value) FROM samples s JOIN series USING (series_id) WHERE metric = "
       "'bench_cpu' "
       "AND ts > " +
           t + " - 300000 AND ts <= " + t + " GROUP BY s.series_id"},
      {"sum by rate",
       [&] {
         return Points(
             overtone::promql::RunInstantQuery(conn, "sum by (job) (rate(bench_requests_total[5m]))", end));
       },
       "SELECT job, sum(r) FROM (SELECT series_id, (max(value) - min(value)) / 300.0 AS r FROM samples "
       "WHERE series_id IN (SELECT series_id FROM series WHERE metric = 'bench_requests_total') AND ts > " +
           t + " - 300000 AND ts <= " + t +
           " GROUP BY series_id) JOIN series USING (series_id) GROUP BY job"},
      {"max by range",
       [&] {
         return Points(
             overtone::promql::RunRangeQuery(conn, "max by (job) (bench_cpu)", end - 3600000, end, 60000));
       },
       "WITH RECURSIVE steps(t) AS (SELECT " + start + " UNION ALL SELECT t + 60000 FROM steps WHERE t < " +
           t +
           ") SELECT job, t, max((SELECT value FROM samples x WHERE x.series_id = s.series_id AND x.ts <= t "
           "AND "
           "x.ts > t - 300000 ORDER BY ts DESC LIMIT 1)) FROM steps, series s WHERE s.metric = 'bench_cpu' "
           "GROUP BY job, t HAVING max((SELECT value FROM samples x WHERE x.series_id = s.series_id AND x.ts "
           "<= t AND "
           "x.ts > t - 300000 ORDER BY ts DESC LIMIT 1)) IS NOT NULL"},
      {"over_time range",
       [&] {
         return Points(overtone::promql::RunRangeQuery(conn, "sum_over_time(bench_cpu[1m])", end - 3600000,
                                                       end, 60000));
       },
       "WITH RECURSIVE steps(t) AS (SELECT " + start + " UNION ALL SELECT t + 60000 FROM steps WHERE t < " +
           t +
           ") SELECT * FROM (SELECT s.series_id, t, (SELECT sum(value) FROM samples x WHERE x.series_id = "
           "s.series_id "
           "AND x.ts > t - 60000 AND x.ts <= t) AS v FROM steps, series s WHERE s.metric = 'bench_cpu') "
           "WHERE v IS NOT NULL"},
  };
  std::printf("dataset: %d series x %lld samples (15 s for %d h), %d runs per query\n", a.series,
              static_cast<long long>(samples), a.hours, a.runs);
  std::printf("%-18s %12s %12s %8s %8s\n", "query (median ms)", "overtone", "sqlite", "ratio", "points");
  int status = 0;
  for (const Query& q : queries) {
    long ot_points = 0, sql_points = 0;
    double ot = MedianMs(a.runs, q.overtone, &ot_points);
    double sq = MedianMs(
        a.runs, [&] { return RunSql(plain, q.sql); }, &sql_points);
    std::printf("%-18s %12.2f %12.2f %8.2f %8ld\n", q.name, ot, sq, ot / sq, ot_points);
    if (ot_points < 0 || sql_points < 0 || ot_points != sql_points) {
      std::fprintf(stderr, "%s: overtone returned %ld points, sqlite %ld\n", q.name, ot_points, sql_points);
      status = 1;
    }
  }
  sqlite3_close(plain);
  session->reset();
  fs::remove_all(root);
  return status;
}
